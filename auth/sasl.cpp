#include "auth/sasl.hpp"

#include "common/ascii.hpp"

namespace feedpop::auth {

void SaslRegistry::add(SaslMechanismInfo info) {
  for (auto& m : mechanisms_) {
    if (ascii::iequals_both(m.name, info.name)) {
      m = std::move(info);
      return;
    }
  }
  mechanisms_.push_back(std::move(info));
}

const SaslMechanismInfo* SaslRegistry::find(std::string_view name) const {
  for (const auto& m : mechanisms_) {
    if (ascii::iequals_both(m.name, name)) {
      return &m;
    }
  }
  return nullptr;
}

SaslRegistry SaslRegistry::with_defaults() {
  SaslRegistry r;
  add_plain_mechanism(r);
  add_login_mechanism(r);
  add_cram_md5_mechanism(r);
  add_scram_sha256_mechanism(r);
  return r;
}

} // namespace feedpop::auth
