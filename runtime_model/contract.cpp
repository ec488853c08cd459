#include "runtime_model/contract.hpp"

namespace gotramp::model {

std::span<const Contract> contracts() {
  static const std::vector<Contract> all = {
      {.name = "seed",
       .description = "newstack(ctxt): morestack passes the context register as the argument",
       .trampoline = {.stores_ctxt = false, .builds_g0_frame = true},
       .newstack = {.ctxt_is_argument = true},
       .names = {},
       .transcription = "morestack.s",
       .expect_failure = ""},
      {.name = "parent",
       .description =
           "newstack(): morestack stores the context into g.sched.ctxt without a barrier; newstack repairs it",
       .trampoline = {.stores_ctxt = true, .builds_g0_frame = false},
       .newstack = {.repairs_barrier = true},
       .names = {},
       .transcription = "morestack_parent.s",
       .expect_failure = ""},
      {.name = "parent-norepair",
       .description =
           "the parent with newstack's writebarrierptr_nostore removed: the unbarriered store must be caught",
       .trampoline = {.stores_ctxt = true, .builds_g0_frame = false},
       .newstack = {},
       .names = {},
       .transcription = "morestack_parent.s",
       .expect_failure = "lost-write-barrier"},
      {.name = "modern",
       .description =
           "newstack(): morestack stores the context into g.sched.ctxt, which the GC scans as a root (Go 1.10+)",
       .trampoline = {.stores_ctxt = true, .builds_g0_frame = true, .frame_pointer_on_g0 = true},
       .newstack = {.ctxt_via_sched = true},
       .names = {.saved_lr_check = "g0-frame-saved-lr",
                 .saved_lr_slot = "saved LR (zero) of newstack's g0 frame",
                 .return_pc_check = "return-pc",
                 .return_pc_slot = "newstack's return PC"},
       .transcription = "",
       .expect_failure = ""},
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
