// StoreLog: the guest stores made inside the current episode (Harness::episode_opens),
// for blame: a Finding about a slot names the last store to it. Off the fast path:
// while the log runs, Unicorn takes its slow path for every store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "emu/engine.hpp"

namespace gotramp::model {

class StoreLog {
 public:
  struct Store {
    uint64_t pc = 0, sp = 0, addr = 0;
    int size = 0;
    uint64_t value = 0;
  };
  // At most this many of the latest stores are kept (a trampoline that runs away
  // stores without end).
  static constexpr size_t kMaxStores = 1 << 20;

  // Logs every guest store while recording() holds, until stop().
  void start(emu::Engine& e, std::function<bool()> recording);
  void stop(emu::Engine& e);
  bool active() const { return hook_.has_value(); }
  // A new episode: the stores before it cannot be to blame.
  void restart();
  const std::vector<Store>& stores() const { return stores_; }
  // The oldest were dropped: "never stored" cannot be said.
  bool dropped() const { return dropped_; }

 private:
  std::vector<Store> stores_;
  bool dropped_ = false;
  std::optional<emu::Engine::HookId> hook_;
};

}  // namespace gotramp::model
