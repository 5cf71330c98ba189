#pragma once
// Adapter: the part of feeds.yaml the ingest pipeline needs (ingest/options.hpp).

#include "gateway/config.hpp"
#include "ingest/options.hpp"

namespace feedpop::gateway {

ingest::Options ingest_options(const Config& config);

} // namespace feedpop::gateway
