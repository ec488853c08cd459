#include "cli/verify_cmd.hpp"

#include <fmt/format.h>

#include "runtime_model/machine.hpp"

namespace gotramp::cli {
namespace {

// Expands "all" and comma lists against a table of names.
template <typename T, typename Find>
std::optional<std::vector<const T*>> parse_list(const std::vector<std::string>& names, std::span<const T> table,
                                                Find find, const std::string& what, const std::string& valid,
                                                std::string& error) {
  std::vector<const T*> out;
  for (const auto& n : names) {
    if (n == "all") {
      for (const auto& t : table) out.push_back(&t);
      continue;
    }
    const T* t = find(n);
    if (!t) {
      error = fmt::format("unknown {} '{}'; valid: {} (or all)", what, n, valid);
      return std::nullopt;
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace

std::optional<std::vector<const emu::ArchSpec*>> parse_archs(const std::vector<std::string>& names,
                                                             std::string& error) {
  return parse_list<emu::ArchSpec>(names, emu::arch_table(), emu::find_arch, "GOARCH", emu::arch_names(), error);
}

std::optional<std::vector<const model::Contract*>> parse_contracts(const std::vector<std::string>& names,
                                                                   std::string& error) {
  return parse_list<model::Contract>(names, model::contracts(), model::find_contract, "contract",
                                     model::contract_names(), error);
}

std::optional<std::vector<const model::Scenario*>> parse_scenarios(const std::vector<std::string>& names,
                                                                   std::string& error) {
  return parse_list<model::Scenario>(names, model::scenarios(), model::find_scenario, "scenario",
                                     model::scenario_names(), error);
}

std::vector<VerifyRow> run_verify(const VerifyRequest& req, const toolchain::GuestBuildConfig& cfg) {
  std::vector<VerifyRow> rows;
  for (const emu::ArchSpec* spec : req.archs) {
    for (const model::Contract* c : req.contracts) {
      auto row_for = [&](const model::Scenario* s) {
        VerifyRow row;
        row.spec = spec, row.contract = c, row.scenario = s;
        return row;
      };
      if (!spec->verified && !req.unverified) {
        for (const model::Scenario* s : req.scenarios) {
          VerifyRow row = row_for(s);
          row.verdict = "not yet verified";
          row.note = "this GOARCH's row is not verified end to end yet";
          rows.push_back(std::move(row));
        }
        continue;
      }
      try {
        auto file = req.trampoline ? *req.trampoline : toolchain::guest_dir(*spec, cfg) / c->trampoline_file;
        auto elf = toolchain::guest_elf(*spec, file, cfg);
        model::Machine machine(*spec, elf.string());
        for (const model::Scenario* s : req.scenarios) {
          VerifyRow row = row_for(s);
          row.report = machine.run(*s, *c);
          row.verdict = row.report->verdict;
          rows.push_back(std::move(row));
        }
      } catch (const std::exception& e) {
        for (const model::Scenario* s : req.scenarios) {
          VerifyRow row = row_for(s);
          row.verdict = "FAILED";
          row.note = e.what();
          rows.push_back(std::move(row));
        }
      }
    }
  }
  return rows;
}

}  // namespace gotramp::cli
