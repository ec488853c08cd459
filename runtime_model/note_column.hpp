// A verify-table column showing one of a run's notes (RunReport::notes), as the
// switch suites report what they saw ("sched.pc", "C align").
#pragma once

#include <string>

#include "runtime_model/suite.hpp"

namespace gotramp::model {

// The column headed `key` showing the run's note `key` ("-" without a report, on an
// error, or where the run noted nothing).
inline Column note_column(const std::string& key) {
  return {key, [key](const RunReport* r, const emu::ArchSpec&) {
            if (!r || r->verdict == "error") return std::string("-");
            auto it = r->notes.find(key);
            return it == r->notes.end() ? std::string("-") : it->second;
          }};
}

}  // namespace gotramp::model
