// The GDB remote-protocol layer without gdb: framing, escaping, and the stub's
// answers over a socket pair to a fake target.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <map>

#include "cli/gdb_stub.hpp"

namespace gotramp::cli::gdb {
namespace {

using namespace std::chrono_literals;

std::string fmt_checksum(std::string_view body) { return fmt::format("{:02x}", checksum(body)); }
// Reads the target description from its end.
std::string fmt_qxfer(size_t offset) { return fmt::format("qXfer:features:read:target.xml:{:x},10", offset); }

TEST(GdbPacket, ChecksumIsTheByteSumModulo256) {
  EXPECT_EQ(checksum(""), 0);
  EXPECT_EQ(checksum("OK"), 0x9a);
  EXPECT_EQ(checksum(std::string(300, 'z')), (300 * 'z') % 256);
}

TEST(GdbPacket, FrameAddsChecksumAndEscapesSpecialBytes) {
  EXPECT_EQ(frame("OK"), "$OK#9a");
  EXPECT_EQ(frame(""), "$#00");
  // '#', '$', '}' and '*' go out as '}' followed by the byte XOR 0x20; the
  // checksum covers the escaped text.
  EXPECT_EQ(frame("a#b"),
            "$a}\x03"
            "b#" +
                fmt_checksum("a}\x03"
                             "b"));
  EXPECT_EQ(unescape("a}\x03"
                     "b}]}\x04}\x0a"),
            "a#b}$*");
}

TEST(GdbPacket, HexRoundTripsAndRejectsBadDigits) {
  std::vector<uint8_t> bytes = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(to_hex(bytes), "007f80ff");
  EXPECT_EQ(from_hex("007f80ff"), bytes);
  EXPECT_EQ(to_hex(std::string_view("OK\n")), "4f4b0a");
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
}

TEST(GdbFramer, SplitsPacketsAcksAndInterrupts) {
  Framer f;
  f.feed("+$qC#b4");
  f.feed("\x03-junk$g#6");  // the second packet is incomplete
  auto e = f.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, Framer::Event::Kind::Ack);
  e = f.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, Framer::Event::Kind::Packet);
  EXPECT_EQ(e->payload, "qC");
  EXPECT_EQ(f.next()->kind, Framer::Event::Kind::Interrupt);
  EXPECT_EQ(f.next()->kind, Framer::Event::Kind::Nak);
  EXPECT_FALSE(f.next());  // "junk" skipped, "$g#6" waits for its last digit
  f.feed("7");
  e = f.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, Framer::Event::Kind::Packet);
  EXPECT_EQ(e->payload, "g");
}

TEST(GdbFramer, BadChecksumIsReported) {
  Framer f;
  f.feed("$qC#00");
  EXPECT_EQ(f.next()->kind, Framer::Event::Kind::BadPacket);
}

TEST(GdbAddress, ParsesHostAndPortAndDefaultsToLoopback) {
  std::string err;
  auto a = parse_address("127.0.0.1:1234", err);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 1234);
  a = parse_address(":0", err);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  a = parse_address("4321", err);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 4321);
  EXPECT_FALSE(parse_address("localhost:http", err));
  EXPECT_NE(err.find("HOST:PORT"), std::string::npos);
  EXPECT_FALSE(parse_address("127.0.0.1:70000", err));
  EXPECT_FALSE(parse_address("127.0.0.1:", err));
}

TEST(GdbListener, PortZeroPicksAFreeLoopbackPort) {
  std::string err;
  Listener l(*parse_address("127.0.0.1:0", err));
  EXPECT_TRUE(l.address().starts_with("127.0.0.1:"));
  EXPECT_NE(l.address(), "127.0.0.1:0");
  EXPECT_THROW(l.accept(50ms), Disconnected);  // nobody connects: no hang
}

// Four registers: two 8-byte, one absent, one 4-byte; 64 bytes of memory at 0x1000.
class FakeTarget : public Target {
 public:
  std::string target_xml() const override { return xml; }
  int register_count() const override { return 4; }
  int register_size(int n) const override { return n == 3 ? 4 : 8; }
  std::optional<std::vector<uint8_t>> read_register(int n) override {
    if (n == 2) return std::nullopt;
    std::vector<uint8_t> v(register_size(n));
    for (size_t i = 0; i < v.size(); i++) v[i] = static_cast<uint8_t>(0x10 * (n + 1) + i);
    return v;
  }
  bool write_register(int n, std::span<const uint8_t> value) override {
    written[n] = std::vector<uint8_t>(value.begin(), value.end());
    return true;
  }
  bool read_memory(uint64_t addr, std::span<uint8_t> out) override {
    if (addr < 0x1000 || addr + out.size() > 0x1000 + mem.size()) return false;
    std::copy_n(mem.begin() + (addr - 0x1000), out.size(), out.begin());
    return true;
  }
  bool write_memory(uint64_t addr, std::span<const uint8_t> bytes) override {
    if (addr < 0x1000 || addr + bytes.size() > 0x1000 + mem.size()) return false;
    std::copy(bytes.begin(), bytes.end(), mem.begin() + (addr - 0x1000));
    return true;
  }
  std::string xml = "<target><architecture>x</architecture></target>";
  std::vector<uint8_t> mem = std::vector<uint8_t>(64, 0xab);
  std::map<int, std::vector<uint8_t>> written;
};

// A stub talking to a socket whose other end the test holds.
struct StubOverSocket : ::testing::Test {
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    conn = std::make_unique<Connection>(fds[0], 2000ms);
    peer = fds[1];
    stub = std::make_unique<Stub>(*conn, target);
  }
  void TearDown() override { close(peer); }
  std::string ask(std::string_view packet) {
    std::optional<Resume> resume;
    return stub->handle(packet, resume);
  }
  void put(std::string_view bytes) { ASSERT_EQ(write(peer, bytes.data(), bytes.size()), ssize_t(bytes.size())); }
  std::string take() {
    char buf[256];
    ssize_t n = read(peer, buf, sizeof buf);
    return n > 0 ? std::string(buf, n) : "";
  }
  FakeTarget target;
  std::unique_ptr<Connection> conn;
  std::unique_ptr<Stub> stub;
  int peer = -1;
};

TEST_F(StubOverSocket, SupportedFeaturesAndUnknownPacketsGetAnEmptyReply) {
  std::string s = ask("qSupported:multiprocess+;swbreak+;xmlRegisters=i386");
  EXPECT_NE(s.find("qXfer:features:read+"), std::string::npos) << s;
  EXPECT_NE(s.find("PacketSize="), std::string::npos) << s;
  EXPECT_EQ(ask("vMustReplyEmpty"), "");
  EXPECT_EQ(ask("qFrobnicate"), "");
  EXPECT_EQ(ask("!"), "");
  EXPECT_EQ(ask("Z4,1000,8"), "");  // access watchpoints: not supported
  EXPECT_EQ(ask("vCont?"), "vCont;c;C;s;S");
  EXPECT_EQ(ask("qfThreadInfo"), "m1");
  EXPECT_EQ(ask("qsThreadInfo"), "l");
  EXPECT_EQ(ask("?"), "T05thread:1;");
}

TEST_F(StubOverSocket, TargetDescriptionIsServedInChunks) {
  EXPECT_EQ(ask("qXfer:features:read:target.xml:0,8"), "m<target>");
  EXPECT_EQ(ask("qXfer:features:read:target.xml:8,1000"), "l" + target.xml.substr(8));
  EXPECT_EQ(ask(fmt_qxfer(target.xml.size())), "l");
}

TEST_F(StubOverSocket, RegistersInGdbOrderWithUnavailableOnesAsX) {
  EXPECT_EQ(ask("g"),
            "1011121314151617"
            "2021222324252627"
            "xxxxxxxxxxxxxxxx"
            "40414243");
  EXPECT_EQ(ask("p1"), "2021222324252627");
  EXPECT_EQ(ask("p2"), "xxxxxxxxxxxxxxxx");
  EXPECT_EQ(ask("p9"), "");  // past the target's registers: gdb falls back to g
  EXPECT_EQ(ask("P3=01020304"), "OK");
  EXPECT_EQ(target.written[3], (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(ask("P3=0102"), "E01");  // wrong width
}

TEST_F(StubOverSocket, MemoryReadWriteAndFaults) {
  EXPECT_EQ(ask("m1000,4"), "abababab");
  EXPECT_EQ(ask("M1002,2:0102"), "OK");
  EXPECT_EQ(ask("m1000,4"), "abab0102");
  EXPECT_EQ(ask("X1004,2:}\x03}]"), "OK");  // binary: '#' and '}' escaped
  EXPECT_EQ(ask("m1004,2"), "237d");
  EXPECT_EQ(ask("m0,4"), "E14");
  EXPECT_EQ(ask("M0,1:00"), "E14");
  // A read running off the end returns the part that could be read.
  EXPECT_EQ(ask("m1038,10"), "abababababababab");
  EXPECT_EQ(ask("mzz"), "E01");
}

TEST_F(StubOverSocket, BreakpointsAndWriteWatchpoints) {
  EXPECT_FALSE(stub->breakpoint_at(0x1234));
  EXPECT_EQ(ask("Z0,1234,4"), "OK");
  EXPECT_TRUE(stub->breakpoint_at(0x1234));
  EXPECT_EQ(ask("z0,1234,4"), "OK");
  EXPECT_FALSE(stub->breakpoint_at(0x1234));

  EXPECT_EQ(ask("Z2,40000110,8"), "OK");
  EXPECT_EQ(stub->watch_hit(0x40000110, 8), 0x40000110u);
  EXPECT_EQ(stub->watch_hit(0x40000114, 4), 0x40000114u);
  EXPECT_EQ(stub->watch_hit(0x4000010c, 8), 0x40000110u);  // overlaps the start
  EXPECT_FALSE(stub->watch_hit(0x40000108, 8));
  EXPECT_FALSE(stub->watch_hit(0x40000118, 8));
  EXPECT_EQ(ask("z2,40000110,8"), "OK");
  EXPECT_FALSE(stub->watch_hit(0x40000110, 8));
}

TEST_F(StubOverSocket, ResumeCommands) {
  std::optional<Resume> r;
  EXPECT_EQ(stub->handle("vCont;s:1;c", r), "");
  EXPECT_EQ(r, Resume::Step);
  r.reset();
  stub->handle("vCont;c", r);
  EXPECT_EQ(r, Resume::Continue);
  r.reset();
  stub->handle("s", r);
  EXPECT_EQ(r, Resume::Step);
  r.reset();
  EXPECT_EQ(stub->handle("c1234", r), "E01");  // resuming elsewhere is not supported
  EXPECT_FALSE(r);
  EXPECT_EQ(stub->handle("vCont;", r), "E01");  // no action at all
  EXPECT_FALSE(r);
  EXPECT_EQ(stub->handle("vKill;1", r), "OK");
  EXPECT_EQ(r, Resume::Kill);
  r.reset();
  EXPECT_EQ(stub->handle("D", r), "OK");
  EXPECT_EQ(r, Resume::Detach);
}

TEST_F(StubOverSocket, ServeAcknowledgesRepliesAndReturnsOnResume) {
  // A packet with a bad checksum is refused with '-', then answered when resent.
  put("$qC#00$qC#b4" + frame("vCont;s"));
  put("+");  // acknowledges the reply to qC
  EXPECT_EQ(stub->serve({}), Resume::Step);
  EXPECT_EQ(take(), "-+$QC1#c5+");  // vCont;s, read while waiting, is acknowledged too
  // The next stop is reported first: the watch stop reply carries the address.
  StopInfo watch;
  watch.watch = 0x40000110;
  put("+$c#63");
  EXPECT_EQ(stub->serve(watch), Resume::Continue);
  EXPECT_EQ(take(), frame("T05watch:40000110;thread:1;") + "+");
}

TEST_F(StubOverSocket, InterruptByteIsSeenWhileRunning) {
  EXPECT_FALSE(stub->interrupted());
  put("\x03");
  EXPECT_TRUE(stub->interrupted());
  EXPECT_FALSE(stub->interrupted());
}

TEST_F(StubOverSocket, ExitReportsTheVerdictThenTheStatus) {
  put("++");
  stub->exited(1, "FAILED\n");
  EXPECT_EQ(take(), frame("O" + to_hex(std::string_view("FAILED\n"))) + frame("W01"));
}

TEST_F(StubOverSocket, ClosedOrSilentGdbEndsTheSession) {
  close(peer);
  peer = dup(0);  // keep TearDown's close harmless
  EXPECT_THROW(conn->receive(), Disconnected);
}

}  // namespace
}  // namespace gotramp::cli::gdb
