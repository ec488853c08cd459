// Progress on a terminal while verify works: the probe builds per GOARCH, then the
// runs, with counts and the time since it began, on one line of stderr that each
// report rewrites. Only when stderr is a terminal: piped output, JSON and JUnit
// never see it.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace gotramp::cli {

class Progress {
 public:
  // Progress written to `out`; for_stderr() gives one only when stderr is a terminal.
  explicit Progress(std::FILE* out);
  static std::unique_ptr<Progress> for_stderr();
  ~Progress();

  // What is to come: probes to build (0 for the transcriptions) and runs.
  void plan(size_t builds, size_t runs);
  // A probe build begins; runs of a GOARCH ended. Either may be called from any thread.
  void building(std::string_view goarch);
  void ran(std::string_view goarch, size_t runs);
  // Clears the line, before the report is printed.
  void done();

 private:
  void show(const std::string& text);
  std::FILE* out_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_;
  size_t builds_ = 0, built_ = 0, runs_ = 0, run_ = 0;
  bool shown_ = false;
};

}  // namespace gotramp::cli
