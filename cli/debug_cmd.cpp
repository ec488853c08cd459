// gotramp debug: the run loop under gdb. A code hook on every instruction and a
// write hook on every store decide where the run stops (step, breakpoint,
// watchpoint, Ctrl-C); at a stop the hook serves gdb until gdb resumes it, so the
// run itself is the ordinary Machine::run with every host hook in place.
#include "cli/debug_cmd.hpp"

#include <optional>
#include "cli/exit_code.hpp"
#include "cli/report.hpp"
#include "cli/run_args.hpp"
#include "emu/line_table.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <utility>

#include "cli/gdb_stub.hpp"
#include "emu/byte_order.hpp"
#include "runtime_model/contract.hpp"
#include "runtime_model/fields.hpp"
#include "runtime_model/harness.hpp"
#include "runtime_model/layout.hpp"
#include "runtime_model/scenario.hpp"
#include "toolchain/guest_build.hpp"

namespace gotramp::cli {
namespace {

// Instructions between two looks at the socket for gdb's Ctrl-C while running.
constexpr unsigned kInterruptPoll = 4096;

class DebugSession final : public gdb::Target {
 public:
  DebugSession(model::Harness& harness, gdb::Listener& listener, std::chrono::milliseconds timeout, std::string banner)
      : h_(harness),
        e_(harness.engine()),
        spec_(harness.spec()),
        listener_(listener),
        timeout_(timeout),
        banner_(std::move(banner)) {
    e_.on_code_range(1, 0, [this](uint64_t addr) { on_insn(addr); });
    e_.on_write(1, 0, [this](uint64_t addr, int size, uint64_t) { on_store(addr, size); });
  }

  // Why the session ended early (gdb killed the run, went away, never came).
  const std::string& ended() const { return ended_; }
  bool timed_out() const { return timed_out_; }
  bool killed() const { return killed_; }
  // The guest crashed (a fault, a trap, an invalid instruction): gdb sees the
  // signal a Linux process would get at that instruction, and may look around
  // before the run's end is reported.
  void crashed(const emu::RunResult& stop) {
    if (!stub_ || detached_ || !ended_.empty()) return;
    gdb::StopInfo info;
    switch (stop.reason) {
      case emu::StopReason::Fault:
        info.signal = 11;  // SIGSEGV
        break;
      case emu::StopReason::InvalidInsn:
        info.signal = 4;  // SIGILL
        break;
      case emu::StopReason::Interrupt:
        info.signal = 5;  // SIGTRAP
        break;
      default:
        return;
    }
    // pc_ stays the last instruction the code hook saw: the one that trapped or
    // faulted (or jumped to where no code is). After a trap some CPUs have moved
    // their PC on.
    try {
      if (stub_->serve(info) == gdb::Resume::Kill) killed_ = true, ended_ = "killed by gdb";
    } catch (const gdb::Disconnected& e) {
      end(e);
    }
  }

  // The run ended: tell gdb, if it is still there.
  void exited(bool passed, const std::string& message) {
    if (!stub_ || detached_ || !ended_.empty()) return;
    try {
      stub_->exited(passed ? 0 : 1, message);
    } catch (const gdb::Disconnected&) {
      // gdb left first; the verdict is printed anyway.
    }
  }

  // gdb::Target
  std::string target_xml() const override {
    return fmt::format(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
        "<target version=\"1.0\"><architecture>{}</architecture></target>\n",
        spec_.gdb.arch);
  }
  int register_count() const override { return static_cast<int>(spec_.gdb.regs.size()); }
  int register_size(int n) const override { return spec_.gdb.regs[n].size; }
  std::optional<std::vector<uint8_t>> read_register(int n) override {
    const emu::GdbReg& r = spec_.gdb.regs[n];
    if (r.uc < 0) return std::nullopt;
    // In a code hook the instruction about to run is the hook's address.
    const uint64_t v = r.uc == spec_.pc.uc ? pc_ : e_.reg(r.uc);
    std::vector<uint8_t> out(r.size);
    emu::store_uint(out.data(), r.size, spec_.order, v);
    return out;
  }
  bool write_register(int n, std::span<const uint8_t> value) override {
    const emu::GdbReg& r = spec_.gdb.regs[n];
    if (r.uc < 0) return false;
    const uint64_t v = emu::load_uint(value.data(), r.size, spec_.order);
    e_.set_reg(r.uc, v);
    if (r.uc == spec_.pc.uc) pc_ = v;
    return true;
  }
  bool read_memory(uint64_t addr, std::span<uint8_t> out) override { return e_.try_read(addr, out); }
  bool write_memory(uint64_t addr, std::span<const uint8_t> bytes) override {
    try {
      e_.write(addr, bytes);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  std::optional<std::string> monitor(std::string_view cmd) override {
    if (cmd == "addresses") return addresses();
    if (cmd == "help") return "monitor addresses: where g, m and the fields morestack writes are\n";
    return std::nullopt;
  }

 private:
  void on_insn(uint64_t addr) {
    pc_ = addr;
    if (detached_) return;
    // A host function and the guest code it resumes through (newstack and gogo)
    // are one step: gdb next sees the goroutine resumed on its new stack. (The
    // harness's own hook there, added first, has run by now.)
    if (h_.host_implemented(addr)) {
      if (auto at = h_.resuming_at()) resume_at_ = at;
      // A breakpoint there (gdb's software single-step puts one on a call's
      // target) stops at the first guest instruction after the host is done.
      if (stub_ && stub_->breakpoint_at(addr)) break_after_host_ = true;
      return;
    }
    if (resume_at_) {
      if (addr != *resume_at_) return;  // gogo, and what it calls
      resume_at_.reset();
    }
    if (!stub_) return connect();
    gdb::StopInfo stop;
    const bool at_breakpoint = std::exchange(break_after_host_, false) || stub_->breakpoint_at(addr);
    if (pending_watch_) {
      stop.watch = std::exchange(pending_watch_, std::nullopt);
    } else if (!stepping_ && !at_breakpoint) {
      if (++since_poll_ < kInterruptPoll) return;
      since_poll_ = 0;
      if (!stub_->interrupted()) return;
      stop.signal = 2;  // SIGINT
    }
    stop_here(stop);
  }

  void on_store(uint64_t addr, int size) {
    if (!stub_ || detached_) return;
    auto hit = stub_->watch_hit(addr, size);
    if (!hit) return;
    // Where gdb steps over the store itself, stop before it runs; otherwise (and
    // inside the atomic newstack step) at the next instruction, after it.
    if (spec_.gdb.watch_before_store && !resume_at_) {
      gdb::StopInfo stop;
      stop.watch = hit;
      stop_here(stop);
    } else {
      pending_watch_ = hit;
    }
  }

  // The first instruction: the run is set up; say where things are and wait for gdb.
  void connect() {
    std::cerr << banner_ << addresses() << "listening on " << listener_.address() << std::endl;
    try {
      conn_ = std::make_unique<gdb::Connection>(listener_.accept(timeout_), timeout_);
    } catch (const gdb::Disconnected& e) {
      end(e);
      throw;
    }
    stub_ = std::make_unique<gdb::Stub>(*conn_, *this);
    stop_here({});
  }

  void stop_here(const gdb::StopInfo& stop) {
    gdb::Resume r;
    try {
      r = stub_->serve(stop);
    } catch (const gdb::Disconnected& e) {
      end(e);
      throw;  // ends the run
    }
    since_poll_ = 0;
    switch (r) {
      case gdb::Resume::Step:
        stepping_ = true;
        break;
      case gdb::Resume::Continue:
        stepping_ = false;
        break;
      case gdb::Resume::Detach:
        detached_ = true;
        break;
      case gdb::Resume::Kill:
        killed_ = true;
        ended_ = "killed by gdb";
        throw std::runtime_error(ended_);
    }
  }

  // g, m and the fields the trampoline writes, for watchpoints.
  std::string addresses() const {
    const model::RuntimeFields& F = h_.profile().fields;
    model::Ptr<model::rt::g> g(e_, e_.current_g());
    model::Ptr<model::rt::m> m(e_, g[F.g.m].get());
    const char* type = spec_.ptr_size == 8 ? "long" : "int";
    std::string out = fmt::format("  g {:#x}, m {:#x}, m.g0 {:#x}\n", g.addr(), m.addr(), m[F.m.g0].get());
    for (auto [slot, name] : {std::pair{m[F.m.morebuf.pc], "m.morebuf.pc"},
                              {m[F.m.morebuf.sp], "m.morebuf.sp"},
                              {g[F.g.sched.pc], "g.sched.pc"},
                              {g[F.g.sched.sp], "g.sched.sp"},
                              {g[F.g.sched.ctxt], "g.sched.ctxt"}})
      out += fmt::format("  {:<13} at {:#x}: watch *({}*){:#x}\n", name, slot.addr(), type, slot.addr());
    return out;
  }

  model::Harness& h_;
  emu::Engine& e_;
  const emu::ArchSpec& spec_;
  gdb::Listener& listener_;
  std::chrono::milliseconds timeout_;
  std::string banner_;
  std::unique_ptr<gdb::Connection> conn_;
  std::unique_ptr<gdb::Stub> stub_;
  uint64_t pc_ = 0;                    // the instruction about to run
  bool stepping_ = true;               // stop at the next instruction
  std::optional<uint64_t> resume_at_;  // inside newstack's gogo: where it resumes
  bool break_after_host_ = false;      // a breakpoint on a host-implemented function
  bool detached_ = false;              // gdb detached: run to the end
  bool killed_ = false;
  std::optional<uint64_t> pending_watch_;  // a store hit a watchpoint: stop after it
  unsigned since_poll_ = 0;
  // gdb went away, never came or fell silent: why, and whether it was the timeout.
  void end(const gdb::Disconnected& e) {
    ended_ = e.what();
    timed_out_ = dynamic_cast<const gdb::TimedOut*>(&e) != nullptr;
  }

  std::string ended_;
  bool timed_out_ = false;  // ended_ says why: no gdb, or a silent one, within --timeout
};

}  // namespace

CLI::App* add_debug_command(CLI::App& app, DebugArgs& a) {
  auto* c = app.add_subcommand(
      "debug", "run stopped at its first instruction and serve one gdb-multiarch (GDB remote protocol)");
  add_run_options(c, a.run);
  c->add_option("--gdb", a.gdb, "HOST:PORT to listen on (default 127.0.0.1:1234; port 0 picks a free port)");
  c->add_option("--timeout", a.timeout, "seconds gdb may take to connect or stay silent while stopped (default 600)")
      ->check(at_least(1, "--timeout (seconds)"));
  return c;
}

int run_debug(const DebugArgs& a) {
  const Inspection what = inspection(a.run, "debug");
  const emu::ArchSpec* spec = what.spec;
  if (spec->gdb.arch.empty()) throw BadInput(fmt::format("{} has no gdb description yet", spec->goarch));
  std::string err;
  auto where = gdb::parse_address(a.gdb, err);
  if (!where) throw BadInput(err);

  const auto cfg = config(a.run.common);
  const std::string elf = what.probe ? what.probe->string() : guest_elf_for(what, cfg).string();
  std::unique_ptr<model::Harness> owned = what.probe
                                              ? model::Harness::for_probe(*spec, elf, what.toolchain, what.goroot)
                                              : model::Harness::for_transcription(*spec, elf);
  model::Harness& harness = *owned;
  // The suite's hooks first: the session's see what the host has done.
  harness.prepare(*what.scenario);
  std::optional<gdb::Listener> listening;
  try {
    listening.emplace(*where);
  } catch (const std::runtime_error& e) {
    throw BadInput(e.what());  // a busy port, an address not of this machine
  }
  gdb::Listener& listener = *listening;
  const std::string name =
      fmt::format("{} {} {} {}", spec->goarch, what.scenario->trampoline, what.contract->name, what.scenario->name);
  // gdb reads symbols and byte order (and on MIPS the n64 ABI) from the ELF, and
  // finds the Plan 9 sources by their base names in these folders.
  // A probe's DWARF names files by import path (runtime/asm_arm64.s): their roots.
  std::string dirs = what.probe
                         ? (what.goroot / "src").string() + " " + emu::LineTable::source_dir(*what.probe).string()
                         : toolchain::guest_dir(*spec, cfg).string();
  // Files --overlay replaced are kept beside the probe, found before the GOROOT's.
  if (what.probe && std::filesystem::is_directory(emu::LineTable::overlay_dir(*what.probe)))
    dirs = (emu::LineTable::overlay_dir(*what.probe) / "src").string() + " " + dirs;
  if (what.asm_file) dirs += " " + std::filesystem::absolute(*what.asm_file).parent_path().string();
  const std::string banner = fmt::format(
      "gotramp debug: {}, stopped at its first instruction\n"
      "  guest ELF {}\n"
      "  connect: gdb-multiarch -q {} -ex 'directory {}' -ex 'target remote {}'\n",
      name, elf, elf, dirs, listener.address());
  DebugSession session(harness, listener, std::chrono::seconds(a.timeout), banner);
  // One run under gdb: its stores are logged from the start, so a failed run is not
  // run again for blame (gdb would see it restart).
  model::RunOptions opt;
  opt.log_stores = true;
  model::RunReport report = harness.run(*what.scenario, *what.contract, opt);
  session.crashed(report.stop);

  if (!session.ended().empty()) {
    if (session.timed_out()) {
      std::cerr << "gotramp debug: timed out: " << session.ended() << " (--timeout " << a.timeout << ")\n";
      return kExitTimedOut;
    }
    std::cerr << "gotramp debug: " << session.ended() << "\n";
    return kExitFailed;
  }
  const std::string text = format_run_verdict(report).substr(1);  // without its leading blank line
  std::cout << text << std::flush;
  const bool passed = report.passed(a.run.strict);
  session.exited(passed, "gotramp: " + text);
  return passed ? kExitPassed : kExitFailed;
}

}  // namespace gotramp::cli
