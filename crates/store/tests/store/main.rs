//! Store behaviour, with every test body run against both SQLite and PostgreSQL.
//!
//! PostgreSQL comes from `TEST_DATABASE_URL`; run through `scripts/with-postgres.sh` to have
//! one found or started. Without it the PostgreSQL half fails, unless
//! `STORE_TESTS_SQLITE_ONLY=1` is set.

mod fixtures;
mod harness;

mod appointments;
mod audit;
mod clinics;
mod concurrency;
mod deliveries;
mod gateway;
mod migrations;
mod outbox;
mod participants;
mod reading;
mod scoping;
mod sessions;
mod transactions;
