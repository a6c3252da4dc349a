//! JSON Schemas for the few shapes the derive cannot describe in a form client generators
//! accept (pairs written as two-element arrays). Only with the `openapi` feature.

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::SchemaType};

fn pair(items: Type, description: &str) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(items))
        .min_items(Some(2))
        .max_items(Some(2))
        .description(Some(description))
}

/// `[[reason, details], ...]`: each reason's stored value with its details.
pub fn reasons_with_details() -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(pair(
            Type::String,
            "A reason's stored value, then its details (may be empty).",
        ))
        .build()
        .into()
}

/// `[x, y]`, each from 0 to 1 from the top left of the diagram, or null.
pub fn point() -> RefOr<Schema> {
    pair(
        Type::Number,
        "Where on the breast's diagram: [x, y], each from 0 to 1.",
    )
    .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
    .build()
    .into()
}
