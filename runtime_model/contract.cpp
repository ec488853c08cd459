#include "runtime_model/contract.hpp"

#include <vector>

namespace gotramp::model {

std::span<const Contract> contracts() {
  static const std::vector<Contract> all = {
      {"seed", "newstack(ctxt): morestack passes the context register as the argument", true, false, false,
       "morestack.s"},
  };
  return all;
}

const Contract* find_contract(std::string_view name) {
  for (const auto& c : contracts())
    if (c.name == name) return &c;
  return nullptr;
}

std::string contract_names() {
  std::string out;
  for (const auto& c : contracts()) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

}  // namespace gotramp::model
