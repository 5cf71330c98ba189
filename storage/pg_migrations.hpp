#pragma once
// PostgreSQL schema steps (pg_migrations.cpp), private to storage/. pg_migrate()
// (pg_store.hpp) applies them all; pg_migrate_to() stops after `version`, so that tests
// can build a database of an earlier schema and check what a later step does to it.

#include "storage/pg_conn.hpp"

namespace feedpop::storage {

void pg_migrate_to(pg::Connection& db, int version);

} // namespace feedpop::storage
