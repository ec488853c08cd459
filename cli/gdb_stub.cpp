#include "cli/gdb_stub.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

namespace gotramp::cli::gdb {
namespace {

constexpr char kInterrupt = 0x03;
constexpr size_t kPacketSize = 0x4000;  // what qSupported announces

std::optional<uint64_t> parse_hex(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "addr,len" (and "addr,len:rest": rest goes to *tail).
bool parse_addr_len(std::string_view args, uint64_t& addr, uint64_t& len, std::string_view* tail = nullptr) {
  auto comma = args.find(',');
  if (comma == std::string_view::npos) return false;
  auto colon = args.find(':', comma);
  if ((colon != std::string_view::npos) != (tail != nullptr)) return false;
  auto a = parse_hex(args.substr(0, comma));
  auto l = parse_hex(args.substr(comma + 1, colon == std::string_view::npos ? colon : colon - comma - 1));
  if (!a || !l) return false;
  addr = *a, len = *l;
  if (tail) *tail = args.substr(colon + 1);
  return true;
}

constexpr const char* kError = "E01";

}  // namespace

uint8_t checksum(std::string_view payload) {
  uint8_t sum = 0;
  for (char c : payload) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  return sum;
}

std::string frame(std::string_view payload) {
  std::string body;
  for (char c : payload) {
    if (c == '#' || c == '$' || c == '}' || c == '*') {
      body += '}';
      body += static_cast<char>(c ^ 0x20);
    } else {
      body += c;
    }
  }
  return fmt::format("${}#{:02x}", body, checksum(body));
}

std::string unescape(std::string_view data) {
  std::string out;
  for (size_t i = 0; i < data.size(); i++) {
    if (data[i] == '}' && i + 1 < data.size())
      out += static_cast<char>(data[++i] ^ 0x20);
    else
      out += data[i];
  }
  return out;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) out += digits[b >> 4], out += digits[b & 15];
  return out;
}

std::string to_hex(std::string_view text) {
  return to_hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    uint8_t b = 0;
    auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, b, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return std::nullopt;
    out.push_back(b);
  }
  return out;
}

// --- Framer ----------------------------------------------------------------------

void Framer::feed(std::string_view bytes) { buf_.append(bytes); }

std::optional<Framer::Event> Framer::next() {
  while (!buf_.empty()) {
    const char c = buf_[0];
    if (c == '+' || c == '-' || c == kInterrupt) {
      buf_.erase(0, 1);
      return Event{c == '+' ? Event::Kind::Ack : c == '-' ? Event::Kind::Nak : Event::Kind::Interrupt, {}};
    }
    if (c != '$') {  // noise between packets
      buf_.erase(0, 1);
      continue;
    }
    auto hash = buf_.find('#');
    if (hash == std::string::npos || buf_.size() < hash + 3) return std::nullopt;  // incomplete
    std::string body = buf_.substr(1, hash - 1);
    auto sum = parse_hex(std::string_view(buf_).substr(hash + 1, 2));
    buf_.erase(0, hash + 3);
    if (!sum || *sum != checksum(body)) return Event{Event::Kind::BadPacket, {}};
    return Event{Event::Kind::Packet, std::move(body)};
  }
  return std::nullopt;
}

// --- Addresses and sockets -----------------------------------------------------

std::optional<Address> parse_address(std::string_view text, std::string& err) {
  Address a{"127.0.0.1", 0};
  std::string_view port = text;
  if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    if (colon > 0) a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  unsigned v = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || v > 65535) {
    err = fmt::format("bad --gdb address '{}': want HOST:PORT, e.g. 127.0.0.1:1234 (port 0 picks a free one)", text);
    return std::nullopt;
  }
  a.port = static_cast<uint16_t>(v);
  return a;
}

Listener::Listener(const Address& where) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  std::string port = std::to_string(where.port);
  if (int rc = getaddrinfo(where.host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", where.host, where.port, gai_strerror(rc)));
  std::string why = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
      fd_ = fd;
      break;
    }
    why = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(res);
  if (fd_ < 0) throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", where.host, where.port, why));
}

Listener::~Listener() {
  if (fd_ >= 0) close(fd_);
}

std::string Listener::address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  char host[NI_MAXHOST], port[NI_MAXSERV];
  getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, port, sizeof port,
              NI_NUMERICHOST | NI_NUMERICSERV);
  return ss.ss_family == AF_INET6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

int Listener::accept(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  int n = poll(&p, 1, static_cast<int>(timeout.count()));
  if (n < 0) throw Disconnected(fmt::format("poll: {}", std::strerror(errno)));
  if (n == 0) throw TimedOut(fmt::format("no gdb connected to {} within {} s", address(), timeout.count() / 1000));
  int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) throw Disconnected(fmt::format("accept: {}", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// --- Connection --------------------------------------------------------------------

Connection::Connection(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}

Connection::~Connection() { close(fd_); }

bool Connection::fill(std::chrono::milliseconds wait) {
  pollfd p{fd_, POLLIN, 0};
  int n = poll(&p, 1, static_cast<int>(wait.count()));
  if (n == 0) return false;
  if (n < 0) throw Disconnected(fmt::format("poll: {}", std::strerror(errno)));
  char buf[4096];
  ssize_t got = read(fd_, buf, sizeof buf);
  if (got <= 0) throw Disconnected("gdb closed the connection");
  framer_.feed(std::string_view(buf, static_cast<size_t>(got)));
  return true;
}

void Connection::ack(char c) {
  if (write(fd_, &c, 1) != 1) throw Disconnected("gdb closed the connection");
}

// A packet that came while waiting for something else: acknowledged now, served
// next.
void Connection::keep(std::string packet) {
  ack('+');
  pending_.push_back(std::move(packet));
}

std::string Connection::receive() {
  if (interrupt_) {
    interrupt_ = false;
    return std::string(1, kInterrupt);
  }
  if (!pending_.empty()) {
    std::string p = std::move(pending_.front());
    pending_.erase(pending_.begin());
    return p;
  }
  for (;;) {
    while (auto ev = framer_.next()) {
      switch (ev->kind) {
        case Framer::Event::Kind::Packet:
          ack('+');
          return std::move(ev->payload);
        case Framer::Event::Kind::BadPacket:
          ack('-');
          break;
        case Framer::Event::Kind::Interrupt:
          return std::string(1, kInterrupt);
        default:
          break;  // stray acknowledgements
      }
    }
    if (!fill(timeout_)) throw TimedOut(fmt::format("gdb said nothing for {} s", timeout_.count() / 1000));
  }
}

void Connection::send(std::string_view payload) {
  const std::string packet = frame(payload);
  for (int attempt = 0; attempt < 8; attempt++) {
    const char* p = packet.data();
    size_t left = packet.size();
    while (left > 0) {
      ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL);
      if (n <= 0) throw Disconnected("gdb closed the connection");
      p += n, left -= static_cast<size_t>(n);
    }
    for (;;) {
      auto ev = framer_.next();
      if (!ev) {
        if (!fill(timeout_))
          throw TimedOut(fmt::format("gdb did not acknowledge a packet within {} s", timeout_.count() / 1000));
        continue;
      }
      if (ev->kind == Framer::Event::Kind::Ack) return;
      if (ev->kind == Framer::Event::Kind::Nak) break;  // resend
      if (ev->kind == Framer::Event::Kind::Interrupt) interrupt_ = true;
      if (ev->kind == Framer::Event::Kind::Packet) keep(std::move(ev->payload));
    }
  }
  throw Disconnected("gdb rejected a packet 8 times");
}

bool Connection::interrupted() {
  if (std::exchange(interrupt_, false)) return true;
  // What arrived with the last packet first, then whatever the socket holds now.
  do {
    while (auto ev = framer_.next()) {
      if (ev->kind == Framer::Event::Kind::Interrupt) return true;
      if (ev->kind == Framer::Event::Kind::Packet) keep(std::move(ev->payload));
    }
  } while (fill(std::chrono::milliseconds(0)));
  return false;
}

// --- Stub --------------------------------------------------------------------------

std::string StopInfo::stop_reply() const {
  std::string r = fmt::format("T{:02x}", signal);
  if (watch) r += fmt::format("watch:{:x};", *watch);
  return r + "thread:1;";
}

Resume Stub::serve(const StopInfo& stop) {
  stop_ = stop;
  if (started_) conn_.send(stop.stop_reply());
  started_ = true;
  for (;;) {
    std::string packet = conn_.receive();
    if (packet.size() == 1 && packet[0] == kInterrupt) continue;  // already stopped
    std::optional<Resume> resume;
    std::string reply = handle(packet, resume);
    // Continue and step are answered by the next stop reply, k by nothing.
    if (resume == Resume::Continue || resume == Resume::Step) return *resume;
    if (!(resume == Resume::Kill && packet == "k")) conn_.send(reply);
    if (resume) return *resume;
  }
}

void Stub::exited(int status, std::string_view message) {
  if (!message.empty()) conn_.send("O" + to_hex(message));
  conn_.send(fmt::format("W{:02x}", status & 0xff));
}

std::optional<uint64_t> Stub::watch_hit(uint64_t addr, int size) const {
  for (const auto& w : watches_)
    if (addr < w.addr + w.len && w.addr < addr + static_cast<uint64_t>(size)) return std::max(addr, w.addr);
  return std::nullopt;
}

std::string Stub::registers() {
  std::string out;
  for (int n = 0; n < target_.register_count(); n++) {
    if (auto v = target_.read_register(n))
      out += to_hex(*v);
    else
      out += std::string(2 * target_.register_size(n), 'x');
  }
  return out;
}

std::string Stub::read_memory(std::string_view args) {
  uint64_t addr, len;
  if (!parse_addr_len(args, addr, len)) return kError;
  len = std::min<uint64_t>(len, kPacketSize / 2);
  std::vector<uint8_t> buf(len);
  // A read that runs into unmapped memory returns what could be read.
  while (len > 0 && !target_.read_memory(addr, std::span(buf).first(len))) len /= 2;
  if (len == 0 && !buf.empty()) return "E14";
  return to_hex(std::span<const uint8_t>(buf).first(len));
}

std::string Stub::write_memory(std::string_view args, bool binary) {
  uint64_t addr, len;
  std::string_view data;
  if (!parse_addr_len(args, addr, len, &data)) return kError;
  std::vector<uint8_t> bytes;
  if (binary) {
    std::string raw = unescape(data);
    bytes.assign(raw.begin(), raw.end());
  } else if (auto b = from_hex(data)) {
    bytes = std::move(*b);
  } else {
    return kError;
  }
  if (bytes.size() != len) return kError;
  return target_.write_memory(addr, bytes) ? "OK" : "E14";
}

// Z/z type,addr,kind: 0 software and 1 hardware breakpoints, 2 write watchpoints.
std::string Stub::point(std::string_view args, bool insert) {
  if (args.size() < 2 || args[1] != ',') return kError;
  const char type = args[0];
  uint64_t addr, len;
  std::string_view rest = args.substr(2);
  if (auto semi = rest.find(';'); semi != std::string_view::npos) rest = rest.substr(0, semi);  // conditions
  if (!parse_addr_len(rest, addr, len)) return kError;
  if (type == '0' || type == '1') {
    insert ? (void)breakpoints_.insert(addr) : (void)breakpoints_.erase(addr);
    return "OK";
  }
  if (type == '2') {
    insert ? (void)watches_.insert({addr, len}) : (void)watches_.erase({addr, len});
    return "OK";
  }
  return "";  // read and access watchpoints are not supported
}

std::string Stub::query(std::string_view p) {
  if (p.starts_with("qSupported"))
    return fmt::format("PacketSize={:x};qXfer:features:read+;vContSupported+", kPacketSize);
  if (p == "qAttached") return "1";
  if (p == "qC") return "QC1";
  if (p == "qfThreadInfo") return "m1";
  if (p == "qsThreadInfo") return "l";
  if (p == "qSymbol::") return "OK";
  if (p.starts_with("qXfer:features:read:target.xml:")) {
    uint64_t off, len;
    if (!parse_addr_len(p.substr(std::strlen("qXfer:features:read:target.xml:")), off, len)) return kError;
    const std::string xml = target_.target_xml();
    if (off >= xml.size()) return "l";
    std::string chunk = xml.substr(off, len);
    return (off + chunk.size() >= xml.size() ? "l" : "m") + chunk;
  }
  if (p.starts_with("qRcmd,")) {
    auto cmd = from_hex(p.substr(6));
    if (!cmd) return kError;
    auto out = target_.monitor(std::string(cmd->begin(), cmd->end()));
    return out ? (out->empty() ? "OK" : to_hex(*out)) : "";
  }
  return "";
}

std::string Stub::v_packet(std::string_view p, std::optional<Resume>& resume) {
  if (p == "vCont?") return "vCont;c;C;s;S";
  if (p.starts_with("vCont;")) {
    if (p.size() < 7) return kError;  // "vCont;" without an action
    // One thread: the first action is what gdb wants of it.
    const char action = p[6];
    if (action == 's' || action == 'S')
      resume = Resume::Step;
    else if (action == 'c' || action == 'C')
      resume = Resume::Continue;
    else
      return kError;
    return "";  // the stop reply comes when the target stops
  }
  if (p.starts_with("vKill")) {
    resume = Resume::Kill;
    return "OK";
  }
  return "";  // vMustReplyEmpty, vFile, vRun ...: not supported
}

std::string Stub::handle(std::string_view p, std::optional<Resume>& resume) {
  if (p.empty()) return "";
  std::string_view args = p.substr(1);
  switch (p[0]) {
    case '?':
      return stop_.stop_reply();
    case 'g':
      return registers();
    case 'p': {
      auto n = parse_hex(args);
      if (!n) return kError;
      // A register past the ones the target has: gdb then reads the g packet, and
      // what it does not hold is unavailable.
      if (*n >= static_cast<uint64_t>(target_.register_count())) return "";
      const int reg = static_cast<int>(*n);
      auto v = target_.read_register(reg);
      return v ? to_hex(*v) : std::string(2 * target_.register_size(reg), 'x');
    }
    case 'P': {
      auto eq = args.find('=');
      auto n = parse_hex(args.substr(0, eq));
      auto v = eq == std::string_view::npos ? std::nullopt : from_hex(args.substr(eq + 1));
      if (!n || !v || *n >= static_cast<uint64_t>(target_.register_count())) return kError;
      const int reg = static_cast<int>(*n);
      if (static_cast<int>(v->size()) != target_.register_size(reg)) return kError;
      return target_.write_register(reg, *v) ? "OK" : kError;
    }
    case 'm':
      return read_memory(args);
    case 'M':
      return write_memory(args, false);
    case 'X':
      return write_memory(args, true);
    case 'Z':
    case 'z':
      return point(args, p[0] == 'Z');
    case 'c':
    case 's':
      if (!args.empty()) return kError;  // resuming at another address is not supported
      resume = p[0] == 's' ? Resume::Step : Resume::Continue;
      return "";
    case 'v':
      return v_packet(p, resume);
    case 'q':
      return query(p);
    case 'H':
      return "OK";  // one thread
    case 'T':
      return args == "1" ? "OK" : kError;
    case 'k':
      resume = Resume::Kill;
      return "";
    case 'D':
      resume = Resume::Detach;
      return "OK";
    default:
      return "";
  }
}

}  // namespace gotramp::cli::gdb
