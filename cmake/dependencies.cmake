# Every external dependency comes from a Debian 12 package (scripts/bootstrap).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(CURL REQUIRED)
find_package(pugixml REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(fmt REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
pkg_check_modules(ZLIB_PC REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2) # feed filters: linear-time matching
find_package(LibXml2 REQUIRED) # content/: HTML pages through libxml2's HTML parser
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq) # storage/: the PostgreSQL backend (libpq)
pkg_check_modules(VIPS REQUIRED IMPORTED_TARGET vips) # content/: images_max_width scaling (libvips C API)
find_package(date CONFIG REQUIRED) # ingest/: digest periods in IANA time zones (tzdata)
