#include "runtime_model/contract.hpp"

namespace gotramp::model {

std::span<const Contract> contracts() {
  static const std::vector<Contract> all = {
      {"seed", "newstack(ctxt): morestack passes the context register as the argument", true, false, false,
       "morestack.s", "", true, false},
      {"parent", "newstack(): morestack stores the context into g.sched.ctxt without a barrier; newstack repairs it",
       false, true, true, "morestack_parent.s", "", false, false},
      {"parent-norepair",
       "the parent with newstack's writebarrierptr_nostore removed: the unbarriered store must be caught", false, true,
       false, "morestack_parent.s", "lost-write-barrier", false, false},
      {"modern", "newstack(): morestack stores the context into g.sched.ctxt, which the GC scans as a root (Go 1.10+)",
       false, true, false, "", "", true, true},
  };
  return all;
}

const Contract* find_contract(std::string_view name) {
  for (const auto& c : contracts())
    if (c.name == name) return &c;
  return nullptr;
}

std::string contract_names(bool with_groups) {
  std::string out;
  for (const auto& c : contracts()) out += (out.empty() ? "" : ", ") + c.name;
  return with_groups ? out + ", both" : out;
}

std::vector<const Contract*> contract_group(std::string_view name) {
  if (name == "both") return {find_contract("seed"), find_contract("parent")};
  return {};
}

}  // namespace gotramp::model
