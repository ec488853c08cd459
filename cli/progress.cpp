#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace gotramp::cli {

Progress::Progress(std::FILE* out) : out_(out), start_(std::chrono::steady_clock::now()) {}

std::unique_ptr<Progress> Progress::for_stderr() {
  if (!isatty(STDERR_FILENO)) return nullptr;
  return std::make_unique<Progress>(stderr);
}

Progress::~Progress() { done(); }

void Progress::plan(size_t builds, size_t runs) {
  std::lock_guard lock(mu_);
  builds_ = builds, runs_ = runs;
}

void Progress::building(std::string_view goarch) {
  std::lock_guard lock(mu_);
  built_++;
  show(fmt::format("building probes: {} ({}/{})", goarch, built_, builds_));
}

void Progress::ran(std::string_view goarch, size_t runs) {
  std::lock_guard lock(mu_);
  run_ += runs;
  show(fmt::format("running: {}/{} runs ({} done)", run_, runs_, goarch));
}

void Progress::done() {
  std::lock_guard lock(mu_);
  if (!shown_) return;
  std::fputs("\r\x1b[K", out_);  // back to the line's start, and clear it
  std::fflush(out_);
  shown_ = false;
}

void Progress::show(const std::string& text) {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fputs(fmt::format("\r\x1b[Kgotramp: {}  {:.1f}s", text, s).c_str(), out_);
  std::fflush(out_);
  shown_ = true;
}

}  // namespace gotramp::cli
