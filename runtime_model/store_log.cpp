#include "runtime_model/store_log.hpp"

#include "emu/byte_order.hpp"

namespace gotramp::model {

void StoreLog::start(emu::Engine& e, std::function<bool()> recording) {
  restart();
  hook_ = e.on_write(1, 0, [this, &e, recording = std::move(recording)](uint64_t addr, int size, uint64_t value) {
    if (!recording()) return;  // between episodes: nothing a Finding can blame
    if (stores_.size() == kMaxStores) {
      stores_.erase(stores_.begin(), stores_.begin() + kMaxStores / 2);
      dropped_ = true;
    }
    stores_.push_back({e.pc(), e.sp(), addr, size, value & emu::width_mask(size)});
  });
}

void StoreLog::stop(emu::Engine& e) {
  if (hook_) e.remove_hook(*hook_);
  hook_.reset();
}

void StoreLog::restart() {
  stores_.clear();
  dropped_ = false;
}

}  // namespace gotramp::model
