#include "cli/causes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace gotramp::cli {
namespace {

// "src/runtime/asm_arm64.s:465 `MOVD LR, (m_morebuf+gobuf_pc)(R8)` (runtime.morestack+0x44)"
std::string site(const std::string& source, const std::string& text, const std::string& where) {
  std::string s = source.empty() ? where : source;
  if (!text.empty()) s += fmt::format(" `{}`", text);
  if (!source.empty() && !where.empty()) s += fmt::format(" ({})", where);
  return s;
}

struct Keyed {
  std::string key, title, kind, source;
};

// What a Finding's cause is, the same for every run it broke: an instruction by its
// source line (ppc64 and ppc64le share one), a slot or register never written by
// GOARCH, check and name; a Finding without a cause by its check and slot.
Keyed key_of(const VerifyRow& row, const model::Finding& f) {
  Keyed k;
  if (!f.cause) {
    k.key = fmt::format("finding|{}|{}|{}", row.spec->goarch, f.check, f.slot);
    k.title = fmt::format("{}: {} (no instruction blamed)", f.check, f.slot.empty() ? f.where : f.slot);
    return k;
  }
  const model::Cause& c = *f.cause;
  k.kind = model::cause_kind_name(c.kind);
  k.source = c.source;
  const std::string at = site(c.source, c.text, c.where);
  const std::string place = c.source.empty() ? row.spec->goarch + " " + c.where : c.source;
  switch (c.kind) {
    case model::Cause::Kind::NeverStored:
      if (c.instead && !c.instead->source.empty()) {
        // The value went elsewhere: the guilty instruction is the store that put it
        // there, the same one a wrong-store Finding of the other slot names.
        k.source = c.instead->source;
        k.key = fmt::format("store|{}", c.instead->source);
        k.title = fmt::format("the store by {}", site(c.instead->source, c.instead->text, c.instead->where));
        break;
      }
      k.key = fmt::format("{}|{}|{}|{}", k.kind, row.spec->goarch, f.check, f.slot);
      k.title = fmt::format("{} never stored: no instruction up to {} stored it", f.slot, at);
      break;
    case model::Cause::Kind::NeverWritten:
      k.key = fmt::format("{}|{}|{}|{}", k.kind, row.spec->goarch, f.check, c.reg);
      k.title = fmt::format("{} never written: no instruction up to {} wrote it", c.reg, at);
      break;
    case model::Cause::Kind::NeverCalled:
      k.key = fmt::format("{}|{}|{}", k.kind, place, c.reg);
      k.title = fmt::format("{} never called: {}{} no longer calls it", c.reg, c.where,
                            c.source.empty() ? "" : fmt::format(" ({})", c.source));
      break;
    case model::Cause::Kind::WrongWrite:
      k.key = fmt::format("{}|{}|{}", k.kind, place, c.reg);
      k.title = fmt::format("{} written wrong by {}", c.reg, at);
      break;
    case model::Cause::Kind::WrongStore:
    case model::Cause::Kind::ClobberedBy:
      k.key = fmt::format("store|{}", place);
      k.title = fmt::format("the store by {}", at);
      break;
  }
  return k;
}

// A row without Findings: the toolchain's error, or why it did not run.
Keyed key_of(const VerifyRow& row) {
  Keyed k;
  k.kind = row.errored() ? "error" : "";
  k.source = row.error_source;
  // The toolchain's own line for the place when it names one, else the note's first.
  std::string first = row.note.substr(0, row.note.find('\n'));
  if (!row.error_source.empty()) {
    const std::string place = row.error_source.substr(row.error_source.rfind('/') + 1) + ": ";
    if (auto at = row.note.find(place); at != std::string::npos) {
      const auto end = row.note.find('\n', at);
      first =
          row.note.substr(at + place.size(), end == std::string::npos ? std::string::npos : end - at - place.size());
    }
  }
  k.key = fmt::format("note|{}|{}", row.spec->goarch, row.note);
  k.title = row.error_source.empty() ? first : fmt::format("{}: {}", row.error_source, first);
  return k;
}

}  // namespace

std::string repo_source(const VerifyRow& row, const std::string& source) {
  if (source.empty() || source.find('/') != std::string::npos) return source;
  const std::string name = source.substr(0, source.rfind(':'));
  const std::string line = source.substr(name.size());
  if (row.asm_file && row.asm_file->filename() == name) {
    std::error_code ec;
    const auto rel = std::filesystem::relative(*row.asm_file, std::filesystem::current_path(), ec);
    const bool inside = !ec && !rel.empty() && *rel.begin() != "..";
    return (row.asm_file->is_absolute() && inside ? rel : *row.asm_file).generic_string() + line;
  }
  // The harness's own files (and the transcription) come from the GOARCH's folder.
  if (row.source != "guest_asm" && !row.asm_file) return source;
  if (row.spec->transcribed()) return fmt::format("guest_asm/{}/{}{}", row.spec->guest_dir, name, line);
  return source;
}

void split_source(const std::string& source, std::string& file, int& line) {
  file = source, line = 0;
  const auto colon = source.rfind(':');
  if (colon == std::string::npos || colon + 1 == source.size()) return;
  if (!std::all_of(source.begin() + static_cast<long>(colon) + 1, source.end(), ::isdigit)) return;
  file = source.substr(0, colon);
  line = std::stoi(source.substr(colon + 1));
}

std::vector<CauseGroup> group_causes(const std::vector<VerifyRow>& rows) {
  std::vector<CauseGroup> out;
  std::map<std::string, size_t> at;  // key -> index in out
  auto add = [&](const Keyed& k, const VerifyRow& row, const model::Finding* f) {
    auto [it, fresh] = at.try_emplace(k.key, out.size());
    if (fresh) {
      CauseGroup g;
      g.title = k.title, g.kind = k.kind;
      split_source(repo_source(row, k.source), g.file, g.line);
      g.first = f;
      out.push_back(std::move(g));
    }
    CauseGroup& g = out[it->second];
    if (f && f->cause && g.first && !g.first->cause) g.first = f;  // the Finding that names the cause leads
    if (g.rows.empty() || g.rows.back() != &row) g.rows.push_back(&row);
    if (f && g.checks.find(f->check) == std::string::npos) g.checks += (g.checks.empty() ? "" : ", ") + f->check;
  };
  for (const auto& row : rows) {
    if (!row.failed() && !row.known() && !row.errored()) continue;
    if (!row.report || row.report->findings.empty()) {
      add(key_of(row), row, nullptr);
      continue;
    }
    // Findings blame found no instruction for (the run did not complete, the result
    // is wrong) follow from the run's first blamed cause: they join its block.
    const auto& fs = row.report->findings;
    const auto blamed = std::find_if(fs.begin(), fs.end(), [](const model::Finding& f) { return f.cause.has_value(); });
    for (const auto& f : fs) add(f.cause || blamed == fs.end() ? key_of(row, f) : key_of(row, *blamed), row, &f);
  }
  return out;
}

namespace {

// Workflow-command escaping: the message's %, CR and LF; a property's also : and ,.
std::string escape(const std::string& s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else if (property && c == ':')
      out += "%3A";
    else if (property && c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string github_annotations(const std::vector<CauseGroup>& causes, bool strict) {
  std::string out;
  for (const auto& g : causes) {
    const bool known = std::all_of(g.rows.begin(), g.rows.end(), [](const VerifyRow* r) { return r->known(); });
    const char* level = known && !strict ? "warning" : "error";
    std::string runs;
    for (const VerifyRow* r : g.rows)
      runs += fmt::format("{}{} {}", runs.empty() ? "" : ", ", r->spec->goarch, r->scenario->name);
    std::string props;
    if (!g.file.empty()) props += fmt::format(" file={}", escape(g.file, true));
    if (g.line > 0) props += fmt::format(",line={}", g.line);
    // The checks it fails, the first two by name: a title is one short line.
    std::string checks = g.checks.empty() ? g.kind : g.checks;
    if (const auto second = checks.find(", ", checks.find(", ") + 1); second != std::string::npos) {
      const auto more = std::count(checks.begin() + static_cast<long>(second), checks.end(), ',');
      checks = fmt::format("{} and {} more", checks.substr(0, second), more);
    }
    const std::string title =
        fmt::format("gotramp: {} ({} run{})", checks, g.rows.size(), g.rows.size() == 1 ? "" : "s");
    props += fmt::format("{}title={}", props.empty() ? " " : ",", escape(title, true));
    std::string message = g.title;
    if (g.first)
      message += "\n" + g.first->message();
    else if (!g.rows.empty())
      message += "\n" + g.rows.front()->note;
    message += "\nruns: " + runs;
    out += fmt::format("::{}{}::{}\n", level, props, escape(message, false));
  }
  return out;
}

}  // namespace gotramp::cli
