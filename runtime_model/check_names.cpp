#include "runtime_model/check_names.hpp"

#include <algorithm>

#include "runtime_model/contract.hpp"

namespace gotramp::model {

const std::vector<std::string>& check_names() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> names = {// At newstack's entry: the frame the trampoline built on g0.
                                      "sp-on-g0-stack", "g-is-g0", "ctxt-argument", "return-pc", "sp-aligned",
                                      "g0-frame-intact", "morestack-entered", "newstack-fp", "split-needed",
                                      // ... and what it saved of the interrupted goroutine.
                                      "sched.g", "sched.sp", "sched.pc", "sched.lr", "sched.bp", "sched.ctxt",
                                      "morebuf.g", "morebuf.sp", "morebuf.pc",
                                      // After gogo.
                                      "resume", "resume-sp", "resume-ctxt", "resume-g", "resume-lr", "resume-fp",
                                      "resume-entry", "arg-reload", "fp-chain",
                                      // The write-barrier audit.
                                      "lost-write-barrier", "unbarriered-pointer-write",
                                      // The run as a whole.
                                      "run-completed", "result", "growths", "preemption", "diagnosis",
                                      // The binary lacks a function the scenario's guard calls.
                                      "check-reached",
                                      // mcall: at fn's entry, and the goroutine it saved.
                                      "fn-entered", "fn-g", "fn-sp", "fn-arg", "fn-ctxt", "fn-fp", "fn-closure",
                                      // systemstack: without a switch, and once it returned.
                                      "g0-sched-intact", "return-sp", "return-g", "return-fp", "sched.sp-cleared",
                                      // asmcgocall: the C call at fn's entry.
                                      "c-entered", "c-g", "c-sp", "c-align", "c-arg", "c-entry", "c-reserved"};
    for (const auto& c : contracts()) {
      names.push_back(c.names.saved_lr_check);
      names.push_back(c.names.return_pc_check);
      if (!c.expect_failure.empty()) names.push_back(c.expect_failure + "-caught");
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  }();
  return all;
}

bool is_check_name(const std::string& name) {
  const auto& all = check_names();
  return std::binary_search(all.begin(), all.end(), name);
}

}  // namespace gotramp::model
