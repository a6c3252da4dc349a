//! Gateways, their tokens and health, worklist items, and the events gateways push.

use super::*;
use crate::write::AuditRow;
use domain::ids::AppointmentId;

/// A gateway a bearer token belongs to, as stored.
#[derive(FromRow)]
struct PrincipalRow {
    id: String,
    provider_id: String,
    name: String,
}

impl TryFrom<PrincipalRow> for GatewayPrincipal {
    type Error = StoreError;
    fn try_from(r: PrincipalRow) -> Result<Self> {
        Ok(GatewayPrincipal {
            gateway_id: parse_id(&r.id)?,
            provider_id: parse_id(&r.provider_id)?,
            name: r.name,
        })
    }
}

/// A room a gateway serves, with its location's name, as stored.
#[derive(FromRow)]
struct GatewayRoomRow {
    gateway_id: String,
    name: String,
    location_name: String,
}

impl Store {
    /// Registers a gateway for a provider, serving `rooms` (ids of that provider's rooms),
    /// and returns its id and bearer token. The token is shown once: only its SHA-256 is
    /// kept.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), rooms_count = rooms.len()))]
    pub async fn register_gateway(
        &self,
        scope: Scope,
        actor: &Actor,
        name: &str,
        rooms: &[Uuid],
    ) -> Result<(Uuid, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::invalid(
                "name",
                "Enter a gateway name of at most 100 characters",
            ));
        }
        let token = new_secret();
        let id = new_id();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        sqlx::query(
            "INSERT INTO gateways (id, provider_id, name, token_hash, created_at, queue_depth) VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .bind(name)
        .bind(hash_secret(&token))
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await?;
        assign_rooms(tx, scope, id, rooms).await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Create,
                "gateway",
                id,
                None,
                serde_json::json!({ "name": name, "rooms": rooms }),
            ))
            .await?;
        Ok((id, token))
    }

    /// Demo data: makes sure provider `code` has the gateway "Demo gateway" serving the
    /// second room (by name) of its first static site ("Room B" at Seacroft Hospital for
    /// DMO1, so the other rooms keep the manual flow), and returns a fresh token for it.
    /// Each call replaces the token. Returns `None` if the provider does not exist.
    #[tracing::instrument(skip_all)]
    pub async fn ensure_demo_gateway(&self, code: &str) -> Result<Option<String>> {
        let Ok(provider) = self.provider_by_code(code).await else {
            return Ok(None);
        };
        let scope = Scope {
            provider_id: provider.id,
        };
        let rooms = self.rooms(scope).await?;
        let locations = self.locations(scope).await?;
        let site = locations
            .iter()
            .find(|l| l.kind == domain::LocationKind::StaticSite)
            .or(locations.first());
        let mut here: Vec<&Room> = rooms
            .iter()
            .filter(|r| site.is_some_and(|s| s.id == r.location_id))
            .collect();
        here.sort_by(|a, b| a.name.cmp(&b.name));
        let room = here.get(1).or(here.first()).map(|r| r.id);
        let token = new_secret();
        let existing = sqlx::query_scalar::<_, String>(
            "SELECT id FROM gateways WHERE provider_id = $1 AND name = $2",
        )
        .bind(sql::id(provider.id))
        .bind("Demo gateway")
        .fetch_optional(self.pool())
        .await?;
        match existing {
            Some(id) => {
                let mut write = self.begin_change().await?;
                let tx = write.tx();
                sqlx::query(
                    "UPDATE gateways SET token_hash = $1 WHERE id = $2 AND provider_id = $3",
                )
                .bind(hash_secret(&token))
                .bind(&id)
                .bind(sql::id(provider.id))
                .execute(&mut **tx)
                .await?;
                write.commit().await?;
            }
            None => {
                let (_, t) = self
                    .register_gateway(
                        scope,
                        &Actor::system("demo data"),
                        "Demo gateway",
                        &room.into_iter().collect::<Vec<_>>(),
                    )
                    .await?;
                return Ok(Some(t));
            }
        }
        Ok(Some(token))
    }

    /// The gateway a bearer token belongs to, unless revoked.
    #[tracing::instrument(skip_all)]
    pub async fn gateway_by_token(&self, token: &str) -> Result<Option<GatewayPrincipal>> {
        sqlx::query_as::<_, PrincipalRow>(
            "SELECT id, provider_id, name FROM gateways WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(hash_secret(token))
        .fetch_optional(self.pool())
        .await?
        .map(TryInto::try_into)
        .transpose()
    }

    /// Records that a gateway was in contact now, with its queue depth.
    #[tracing::instrument(skip_all, fields(provider = %gw.provider_id, gateway = %gw.gateway_id))]
    pub async fn gateway_contact(&self, gw: &GatewayPrincipal, queue_depth: i64) -> Result<()> {
        sqlx::query(
            "UPDATE gateways SET last_contact_at = $1, queue_depth = $2 WHERE id = $3 AND provider_id = $4",
        )
        .bind(sql::ts(sql::now()))
        .bind(queue_depth.max(0))
        .bind(sql::id(gw.gateway_id))
        .bind(sql::id(gw.provider_id))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The provider's gateways and their health, by name.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn gateways(&self, scope: Scope) -> Result<Vec<GatewayStatus>> {
        let p = sql::id(scope.provider_id);
        let rooms = sqlx::query_as::<_, GatewayRoomRow>(
            "SELECT gr.gateway_id, r.name, l.name AS location_name FROM gateway_rooms gr \
             JOIN rooms r ON r.id = gr.room_id AND r.provider_id = gr.provider_id \
             JOIN locations l ON l.id = r.location_id AND l.provider_id = gr.provider_id \
             WHERE gr.provider_id = $1 ORDER BY l.name, r.name",
        )
        .bind(&p)
        .fetch_all(self.pool())
        .await?;
        let now = sql::now();
        sqlx::query_as::<_, GatewayRow>(&format!(
            "SELECT {GATEWAY_COLUMNS} FROM gateways g WHERE g.provider_id = $1 AND g.revoked_at IS NULL ORDER BY g.name"
        ))
        .bind(&p)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|r| {
            let names = rooms
                .iter()
                .filter(|x| x.gateway_id == r.id)
                .map(|x| format!("{}, {}", x.name, x.location_name))
                .collect();
            gateway_from(r, names, now)
        })
        .collect()
    }

    /// The gateway serving a room, if any.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, room_id = %room_id))]
    pub async fn room_gateway(&self, scope: Scope, room_id: Uuid) -> Result<Option<GatewayStatus>> {
        let row = sqlx::query_as::<_, GatewayRow>(&format!(
            "SELECT {GATEWAY_COLUMNS} FROM gateway_rooms gr \
             JOIN gateways g ON g.id = gr.gateway_id AND g.provider_id = gr.provider_id \
             WHERE gr.provider_id = $1 AND gr.room_id = $2 AND g.revoked_at IS NULL"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(room_id))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| gateway_from(r, Vec::new(), sql::now()))
            .transpose()
    }

    /// When this provider issues worklist items.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display)))]
    pub async fn set_worklist_trigger(
        &self,
        scope: Scope,
        actor: &Actor,
        trigger: WorklistTrigger,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        next_seq(tx, scope).await?;
        sqlx::query("UPDATE gateway_settings SET worklist_issued_at = $1 WHERE provider_id = $2")
            .bind(trigger.as_str())
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "gateway_settings",
                scope.provider_id,
                None,
                serde_json::json!({ "worklist_issued_at": trigger }),
            ))
            .await?;
        Ok(())
    }

    /// Issues (or brings up to date) the appointment's worklist item for `room`, if a
    /// gateway serves that room. Called when the appointment reaches "Take mammogram
    /// images". Returns the item, if there is one.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, appointment_id = %appointment_id))]
    pub async fn issue_worklist_item(
        &self,
        scope: Scope,
        appointment_id: AppointmentId,
        room: &Room,
    ) -> Result<Option<WorklistItem>> {
        if self.room_gateway(scope, room.id).await?.is_none() {
            return self.worklist_item(scope, appointment_id).await;
        }
        let existing = self.worklist_item(scope, appointment_id).await?;
        if existing
            .as_ref()
            .is_some_and(|i| i.station_ae_title == room.ae_title)
        {
            // Already issued for this room (the usual case on every later step's write).
            return Ok(existing);
        }
        let room = (sql::id(room.id), room.ae_title.clone());
        let issue = || async {
            let mut write = self.begin_change().await?;
            let tx = write.tx();
            sync_item(tx, scope, appointment_id, Some(room.clone()), true).await?;
            write.commit().await?;
            Ok::<_, StoreError>(())
        };
        // Issued by another request at the same moment: this one then updates it.
        match issue().await {
            Err(StoreError::Duplicate(_)) => issue().await?,
            other => other?,
        }
        self.worklist_item(scope, appointment_id).await
    }

    /// The appointment's worklist item, if it has one.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, appointment_id = %appointment_id))]
    pub async fn worklist_item(
        &self,
        scope: Scope,
        appointment_id: AppointmentId,
    ) -> Result<Option<WorklistItem>> {
        sqlx::query_as::<_, ItemRow>(&format!(
            "SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE w.provider_id = $1 AND w.appointment_id = $2"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(appointment_id))
        .fetch_optional(self.pool())
        .await?
        .map(TryInto::try_into)
        .transpose()
    }

    /// Worklist changes for a gateway: every item changed after `after` (every live item
    /// when `None`, or when `after` is beyond the latest change), oldest change first, and
    /// the cursor to send next time.
    #[tracing::instrument(skip_all, fields(provider = %gw.provider_id, gateway = %gw.gateway_id))]
    pub async fn worklist_changes(
        &self,
        gw: &GatewayPrincipal,
        after: Option<i64>,
    ) -> Result<(i64, Vec<WorklistItem>)> {
        let p = sql::id(gw.provider_id);
        let cursor: i64 = sqlx::query_scalar::<_, i64>(
            "SELECT worklist_seq FROM gateway_settings WHERE provider_id = $1",
        )
        .bind(&p)
        .fetch_optional(self.pool())
        .await?
        .unwrap_or(0);
        // A cursor from the future (the database was restored from a backup): start again
        // from every live item, rather than wait for changes that will never come.
        let after = after.filter(|a| *a <= cursor);
        if let Some(after) = after {
            // Asking from `after` means the gateway keeps every change up to it.
            sqlx::query(
                "UPDATE gateways SET worklist_acked_seq = $1 WHERE id = $2 AND provider_id = $3 \
                 AND worklist_acked_seq < $1",
            )
            .bind(after)
            .bind(sql::id(gw.gateway_id))
            .bind(&p)
            .execute(self.writer())
            .await?;
        }
        let rows = match after {
            Some(after) => {
                sqlx::query_as::<_, ItemRow>(&format!(
                    "SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE w.provider_id = $1 AND w.seq > $2 AND w.seq <= $3 ORDER BY w.seq"
                ))
                .bind(&p)
                .bind(after)
                .bind(cursor)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                // The items the modality can still find.
                let live: Vec<WorklistStatus> = WorklistStatus::ALL
                    .iter()
                    .copied()
                    .filter(|s| s.is_live())
                    .collect();
                let query = format!(
                    "SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE w.provider_id = $1 AND w.status IN ({}) \
                     AND w.seq <= $2 ORDER BY w.seq",
                    sql::placeholders(3, &live)
                );
                let mut q = sqlx::query_as::<_, ItemRow>(&query).bind(&p).bind(cursor);
                for s in &live {
                    q = q.bind(s.as_str());
                }
                q.fetch_all(self.pool()).await?
            }
        };
        Ok((
            cursor,
            rows.into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_>>()?,
        ))
    }

    /// Stores one event from a gateway, exactly once. Returns `stored: false` when the
    /// event, or the image it carries, was already stored. Invalid events change nothing.
    #[tracing::instrument(skip_all, fields(provider = %gw.provider_id, gateway = %gw.gateway_id))]
    pub async fn record_gateway_event(
        &self,
        gw: &GatewayPrincipal,
        event: &GatewayEvent,
    ) -> Result<EventReceipt> {
        // Two deliveries of one event (or image) at the same moment: the second to commit
        // hits a unique key, rolls back, and finds the first on its second try.
        match self.record_event_once(gw, event).await {
            Err(StoreError::Duplicate(_)) => self.record_event_once(gw, event).await,
            other => other,
        }
    }

    async fn record_event_once(
        &self,
        gw: &GatewayPrincipal,
        event: &GatewayEvent,
    ) -> Result<EventReceipt> {
        let scope = gw.scope();
        match &event.body {
            EventBody::Image(image) => validate_image(image)?,
            EventBody::Mpps(m) => {
                validate_mpps(m)?;
            }
            EventBody::Echo(_) => {}
        }
        let p = sql::id(scope.provider_id);
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let seen =
            sqlx::query("SELECT outcome FROM gateway_events WHERE provider_id = $1 AND id = $2")
                .bind(&p)
                .bind(sql::id(event.id))
                .fetch_optional(&mut **tx)
                .await?;
        if seen.is_some() {
            return Ok(EventReceipt {
                stored: false,
                outcome: "duplicate".to_owned(),
                appointment_id: None,
                quarantine_reason: None,
            });
        }
        let receipt = match &event.body {
            EventBody::Echo(e) => {
                sqlx::query(
                    "UPDATE gateways SET last_echo_at = $1, last_echo_ok = $2, last_echo_round_trip_ms = $3 \
                     WHERE id = $4 AND provider_id = $5",
                )
                .bind(sql::ts(event.occurred_at))
                .bind(i64::from(e.ok))
                .bind(e.round_trip_ms.map(i64::from))
                .bind(sql::id(gw.gateway_id))
                .bind(&p)
                .execute(&mut **tx)
                .await?;
                EventReceipt {
                    stored: true,
                    outcome: "echo".to_owned(),
                    appointment_id: None,
                    quarantine_reason: None,
                }
            }
            EventBody::Image(image) => store_image(tx, gw, event, image).await?,
            EventBody::Mpps(m) => store_mpps(tx, scope, event, m).await?,
        };
        sqlx::query(
            "INSERT INTO gateway_events (id, provider_id, gateway_id, kind, occurred_at, received_at, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sql::id(event.id))
        .bind(&p)
        .bind(sql::id(gw.gateway_id))
        .bind(match event.body {
            EventBody::Image(_) => "image",
            EventBody::Mpps(_) => "mpps",
            EventBody::Echo(_) => "echo",
        })
        .bind(sql::ts(event.occurred_at))
        .bind(sql::ts(sql::now()))
        .bind(&receipt.outcome)
        .execute(&mut **tx)
        .await?;
        write.commit().await?;
        Ok(receipt)
    }
}
