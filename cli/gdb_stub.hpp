// A GDB remote-serial-protocol stub (the protocol gdb speaks to gdbserver and to
// qemu-user's -g): packet framing, and the commands gdb-multiarch needs to debug
// one stopped-and-resumed target. It knows nothing of gotramp: whatever it debugs
// implements gdb::Target, and the run loop calls Stub::serve each time the target
// stops. See https://sourceware.org/gdb/current/onlinedocs/gdb.html/Remote-Protocol.html
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gotramp::cli::gdb {

// --- Packet framing --------------------------------------------------------------

// The modulo-256 sum of a payload's bytes.
uint8_t checksum(std::string_view payload);
// "$<payload>#<checksum>" with '#', '$', '}' and '*' escaped as '}' (c ^ 0x20).
std::string frame(std::string_view payload);
// Undoes the escaping of binary data (X packets).
std::string unescape(std::string_view data);
std::string to_hex(std::span<const uint8_t> bytes);
std::string to_hex(std::string_view text);
// nullopt unless the text is an even number of hex digits.
std::optional<std::vector<uint8_t>> from_hex(std::string_view hex);

// Splits the bytes gdb sends into events: a packet (checksum checked), the
// interrupt byte 0x03, or an acknowledgement.
class Framer {
 public:
  struct Event {
    enum class Kind { Packet, BadPacket, Interrupt, Ack, Nak } kind;
    std::string payload;  // for Packet
  };
  void feed(std::string_view bytes);
  std::optional<Event> next();

 private:
  std::string buf_;
};

// --- The connection ----------------------------------------------------------------

// gdb closed the connection, or said nothing for longer than the timeout.
struct Disconnected : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// No gdb within the timeout, or gdb silent for longer than it.
struct TimedOut : Disconnected {
  using Disconnected::Disconnected;
};

// "127.0.0.1:1234" -> host and port; "1234" or ":1234" means 127.0.0.1. Port 0
// asks for a free port. nullopt, and a message in err, when it does not parse.
struct Address {
  std::string host;
  uint16_t port = 0;
};
std::optional<Address> parse_address(std::string_view text, std::string& err);

// A listening TCP socket on one address (loopback unless the address says
// otherwise).
class Listener {
 public:
  explicit Listener(const Address& where);  // throws std::runtime_error
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  // "127.0.0.1:40123": the port actually bound.
  std::string address() const;
  // The one connection, or Disconnected when none came within the timeout.
  int accept(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// One gdb on the other end of a socket: packets in and out, with acknowledgements.
class Connection {
 public:
  Connection(int fd, std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The next packet's payload; "\x03" for an interrupt. Throws Disconnected.
  std::string receive();
  // Sends a packet and waits for gdb's '+' (resending on '-').
  void send(std::string_view payload);
  // True when gdb sent the interrupt byte (Ctrl-C); never blocks.
  bool interrupted();

 private:
  bool fill(std::chrono::milliseconds wait);  // reads what is there; false on timeout
  void ack(char c);
  void keep(std::string packet);
  int fd_;
  std::chrono::milliseconds timeout_;
  Framer framer_;
  std::vector<std::string> pending_;  // packets read while waiting for something else
  bool interrupt_ = false;
};

// --- The debugged target --------------------------------------------------------

class Target {
 public:
  virtual ~Target() = default;
  // The target description gdb reads through qXfer:features:read:target.xml.
  virtual std::string target_xml() const = 0;
  // Registers by gdb's number, 0..count-1, each in the target's byte order;
  // nullopt for a register the target has no value for (sent as unavailable).
  virtual int register_count() const = 0;
  virtual int register_size(int n) const = 0;
  virtual std::optional<std::vector<uint8_t>> read_register(int n) = 0;
  virtual bool write_register(int n, std::span<const uint8_t> value) = 0;
  virtual bool read_memory(uint64_t addr, std::span<uint8_t> out) = 0;
  virtual bool write_memory(uint64_t addr, std::span<const uint8_t> bytes) = 0;
  // `monitor CMD` (qRcmd): text to print, or nullopt for an unknown command.
  virtual std::optional<std::string> monitor(std::string_view) { return std::nullopt; }
};

// Why the target stopped.
struct StopInfo {
  int signal = 5;                  // SIGTRAP; 2 (SIGINT) after Ctrl-C
  std::optional<uint64_t> watch;   // the address a write watchpoint caught
  std::string stop_reply() const;  // "T05thread:1;" / "T05watch:40001020;thread:1;"
};

// What gdb asked for once the target may run again.
enum class Resume { Continue, Step, Kill, Detach };

class Stub {
 public:
  Stub(Connection& conn, Target& target) : conn_(conn), target_(target) {}

  // Serves gdb while the target is stopped and returns when gdb resumes, kills
  // or detaches it. The first call answers gdb's opening questions; later ones
  // first report the stop.
  Resume serve(const StopInfo& stop);
  // The run ended: prints `message` in gdb's console and reports the exit status.
  void exited(int status, std::string_view message);

  // Breakpoints (Z0/Z1) and write watchpoints (Z2) gdb inserted.
  bool breakpoint_at(uint64_t pc) const { return breakpoints_.count(pc) != 0; }
  // The watched address a store of `size` bytes at addr touches, if any.
  std::optional<uint64_t> watch_hit(uint64_t addr, int size) const;
  bool interrupted() { return conn_.interrupted(); }

  // One packet's reply ("" for an unknown packet); sets *resume for c, s, vCont,
  // k, vKill and D. Public for the tests.
  std::string handle(std::string_view packet, std::optional<Resume>& resume);

 private:
  std::string registers();
  std::string read_memory(std::string_view args);
  std::string write_memory(std::string_view args, bool binary);
  std::string point(std::string_view args, bool insert);
  std::string query(std::string_view packet);
  std::string v_packet(std::string_view packet, std::optional<Resume>& resume);

  Connection& conn_;
  Target& target_;
  StopInfo stop_;
  bool started_ = false;
  std::set<uint64_t> breakpoints_;
  struct Watch {
    uint64_t addr, len;
    auto operator<=>(const Watch&) const = default;
  };
  std::set<Watch> watches_;
};

}  // namespace gotramp::cli::gdb
