//! The JSON Schema of a [`GatewayEvent`]: one object per `kind`, each with the envelope's
//! fields (`id`, `occurred_at`), its `kind` as a one-value enum and the kind's own fields.
//! Written out because the derive would describe the flattened tagged union as `allOf`
//! inside `oneOf`, which client generators cannot read.

use crate::{EchoEvent, GatewayEvent, ImageEvent, MppsEvent};
use std::borrow::Cow;
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

/// The kind's own object schema with the envelope and the `kind` added.
fn alternative<T: PartialSchema>(kind: &'static str, description: &str) -> Object {
    let mut object = match T::schema() {
        RefOr::T(Schema::Object(object)) => object,
        _ => Object::new(),
    };
    let envelope: [(&str, RefOr<Schema>); 3] = [
        (
            "id",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                .description(Some("A UUID v7 the gateway makes: the idempotency key."))
                .into(),
        ),
        (
            "occurred_at",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                .description(Some("When it happened at the gateway (RFC 3339)."))
                .into(),
        ),
        (
            "kind",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([kind]))
                .into(),
        ),
    ];
    for (name, schema) in envelope {
        object.properties.insert(name.to_owned(), schema);
        object.required.push(name.to_owned());
    }
    object.description = Some(description.to_owned());
    object
}

impl PartialSchema for GatewayEvent {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(alternative::<ImageEvent>(
                "image",
                "An image the gateway stored.",
            ))
            .item(alternative::<MppsEvent>(
                "mpps",
                "A procedure step from the x-ray machine.",
            ))
            .item(alternative::<EchoEvent>("echo", "The gateway's health."))
            .description(Some("One event from a gateway, by its `kind`."))
            .into()
    }
}

impl ToSchema for GatewayEvent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("GatewayEvent")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <ImageEvent as ToSchema>::schemas(schemas);
        <MppsEvent as ToSchema>::schemas(schemas);
        <EchoEvent as ToSchema>::schemas(schemas);
    }
}
