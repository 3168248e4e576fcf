// Load client of udm-gateway: commit-to-delivery latency of thingChanged events to N
// WebSocket subscribers on loopback, against a plain LISTEN consumer as the baseline.
//
//   udm_gateway_load --port P --tenant T --class C --secret-file F --subscribers 1000
//
// It opens N graphql-transport-ws connections to ws://127.0.0.1:P/graphql/T (connection_init
// with an HS256 token, connection_ack, one thingChanged subscription, then a ping whose pong
// proves the gateway has registered the subscription), then commits single-row INSERTs into
// the class table at a steady pace from one writer connection. Every subscriber takes the
// time each `next` frame arrives (read from an epoll loop once subscribed, see
// start_streaming) and matches it to its event by the thing id, which the writer chose (a
// run nonce and the event's number), so a frame is never parsed as JSON on the fast path.
// In the same run a plain libpq LISTEN on udm_data takes the time each NOTIFY arrives
// (PostgreSQL's own signal latency, the floor of anything the gateway can do) and then reads
// the outbox with udm.data_events as a minimal follower would (docs/events.md).
//
// Latencies start at each transaction's commit timestamp when the server has
// track_commit_timestamp on (read after the run, on the system clock, converted to the
// steady clock), else at the moment the writer's COMMIT returned, which is late whenever
// the writer waits for a CPU.
//
// Correctness is checked as it goes: every subscriber must get every event exactly once and
// in commit order, and the baseline every signal and every event; anything else (a gap, a
// duplicate, a close by the gateway, an error frame) is reported and the exit status is 3.
// Results are printed for people and, last, as one line of key=value pairs ("result ...")
// for scripts/bench_gateway. The database connection comes from --database-url or the PG*
// environment variables.
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "jwt.hpp"

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Exit statuses: 0 measured and correct, 2 bad usage, 3 wrong or missing deliveries,
// 4 set-up failure (connecting, the database, a timeout before measuring).
constexpr int kExitUsage = 2;
constexpr int kExitIncorrect = 3;
constexpr int kExitSetup = 4;
// At most this many error messages are kept and printed.
constexpr std::size_t kMaxErrorsKept = 20;

// The command line.
struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string tenant;
    std::string class_name;
    std::string secret_file;
    std::string database_url;
    int subscribers = 100;
    int events = 200;
    int warmup = 20;
    double interval_ms = 50;
    int threads = 1;
    int connect_window = 200;
    int gateway_pid = 0;
    double connect_timeout_s = 120;
    double drain_timeout_s = 60;
    // Live things: each subscriber selects the thing of its events, `<class>Changed { id
    // operation thing { name price maker { name } } }`, instead of thingChanged's id.
    bool things = false;
    // The writer inserts name, price and maker (the first thing of --maker-class) with
    // each id, as a --things run needs, so that runs with and without the thing differ in
    // nothing else.
    std::string maker_class;
};

// Nanoseconds on the steady clock, the one clock every time here is taken with.
std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

// Prints the usage text to out.
void print_usage(std::ostream& out) {
    out << "usage: udm_gateway_load --port P --tenant T --class C --secret-file F [options]\n"
           "  --host H               gateway address (127.0.0.1)\n"
           "  --subscribers N        WebSocket subscribers (100; 1..60000)\n"
           "  --events N             measured events (200)\n"
           "  --warmup N             events before them, checked but not timed (20)\n"
           "  --interval-ms MS       pace of the writer's commits (50)\n"
           "  --threads N            io_context threads of this client (1)\n"
           "  --connect-window N     connections being set up at once (200)\n"
           "  --connect-timeout S    for all N to be subscribed (120)\n"
           "  --drain-timeout S      for the last deliveries after the last commit (60)\n"
           "  --gateway-pid PID      also report the gateway's CPU time per delivery\n"
           "  --database-url URL     libpq connection of the writer and the baseline (PG*)\n"
           "  --maker-class C        insert name, price and maker (the first C) with each id\n"
           "  --things yes|no        subscribe to <class>Changed { id operation thing { name\n"
           "                         price maker { name } } } (needs --maker-class; no)\n";
}

// Parses argv into options, or prints why not and returns nullopt.
std::optional<Options> parse_options(int argc, char** argv) {
    Options o;
    auto number = [](const std::string& flag, const char* text, double low, double high,
                     double& out) {
        char* end = nullptr;
        double value = std::strtod(text, &end);
        if (end == text || *end != '\0' || !(value >= low && value <= high)) {
            std::cerr << "udm_gateway_load: " << flag << " must be a number from " << low << " to "
                      << high << "\n";
            return false;
        }
        out = value;
        return true;
    };
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "-h" || flag == "--help") {
            print_usage(std::cout);
            std::exit(0);
        }
        if (i + 1 >= argc) {
            std::cerr << "udm_gateway_load: " << flag << " needs a value\n";
            return std::nullopt;
        }
        const char* value = argv[++i];
        double n = 0;
        bool ok = true;
        if (flag == "--host") {
            o.host = value;
        } else if (flag == "--tenant") {
            o.tenant = value;
        } else if (flag == "--class") {
            o.class_name = value;
        } else if (flag == "--secret-file") {
            o.secret_file = value;
        } else if (flag == "--database-url") {
            o.database_url = value;
        } else if (flag == "--port") {
            ok = number(flag, value, 1, 65535, n) && (o.port = static_cast<int>(n), true);
        } else if (flag == "--subscribers") {
            ok = number(flag, value, 1, 60000, n) && (o.subscribers = static_cast<int>(n), true);
        } else if (flag == "--events") {
            ok = number(flag, value, 1, 100000, n) && (o.events = static_cast<int>(n), true);
        } else if (flag == "--warmup") {
            ok = number(flag, value, 0, 10000, n) && (o.warmup = static_cast<int>(n), true);
        } else if (flag == "--interval-ms") {
            ok = number(flag, value, 0, 10000, o.interval_ms);
        } else if (flag == "--threads") {
            ok = number(flag, value, 1, 64, n) && (o.threads = static_cast<int>(n), true);
        } else if (flag == "--connect-window") {
            ok = number(flag, value, 1, 10000, n) && (o.connect_window = static_cast<int>(n), true);
        } else if (flag == "--gateway-pid") {
            ok = number(flag, value, 1, 1 << 30, n) && (o.gateway_pid = static_cast<int>(n), true);
        } else if (flag == "--connect-timeout") {
            ok = number(flag, value, 1, 3600, o.connect_timeout_s);
        } else if (flag == "--drain-timeout") {
            ok = number(flag, value, 1, 3600, o.drain_timeout_s);
        } else if (flag == "--maker-class") {
            o.maker_class = value;
        } else if (flag == "--things") {
            ok = std::string(value) == "yes" || std::string(value) == "no";
            o.things = std::string(value) == "yes";
        } else {
            std::cerr << "udm_gateway_load: unknown option " << flag << "\n";
            ok = false;
        }
        if (!ok)
            return std::nullopt;
    }
    if (o.port == 0 || o.tenant.empty() || o.class_name.empty() || o.secret_file.empty()) {
        std::cerr << "udm_gateway_load: --port, --tenant, --class and --secret-file are needed\n";
        return std::nullopt;
    }
    if (o.things && o.maker_class.empty()) {
        std::cerr << "udm_gateway_load: --things yes needs --maker-class\n";
        return std::nullopt;
    }
    return o;
}

// purchase_order -> purchaseOrder, as udm names a class's fields (docs/graphql.md).
std::string camel_case(const std::string& model_name) {
    std::string out;
    bool upper = false;
    for (char c : model_name) {
        if (c == '_') {
            upper = !out.empty();
            continue;
        }
        out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return out;
}

// The secret of the gateway's --jwt-secret-file, trailing CR/LF stripped as the gateway does.
std::optional<std::string> read_secret(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

// Raises this process's open-file limit to at least wanted (up to the hard limit).
bool raise_file_limit(rlim_t wanted) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return false;
    if (limit.rlim_cur >= wanted)
        return true;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) {
        // Root may raise the hard limit too.
        limit.rlim_max = wanted;
    }
    limit.rlim_cur = wanted;
    return setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

// What all connections share: the frames they send, the shape of the frames they expect,
// counters the main thread watches, and the errors found.
struct Shared {
    Options options;
    std::string init_frame;
    std::string subscribe_frame;
    std::string ping_frame = R"({"type":"ping"})";
    // Every next frame of the subscription starts like this (the gateway writes the
    // subscription id, the type and the payload in this order, the selection in the order
    // of the document), followed by the thing id and next_suffix.
    std::string next_prefix =
        R"({"id":"1","type":"next","payload":{"data":{"thingChanged":{"id":")";
    std::string next_suffix = R"(","operation":"INSERT"}}}})";
    // The thing ids of this run: nonce "-0000-4000-8000-" then the event number in 12 hex digits.
    std::string id_prefix;
    int total_events = 0;

    std::atomic<int> subscribed{0};
    std::atomic<int> complete{0};
    std::atomic<int> failed{0};
    std::atomic<bool> stopping{false};

    std::mutex errors_mutex;
    std::vector<std::string> errors;
    std::size_t error_count = 0;
    std::size_t subscriber_errors = 0;

    // Records an error for the report: the first kMaxErrorsKept of the subscribers' (there
    // may be thousands of the same), and every other.
    void error(std::string what, bool of_subscriber = false) {
        std::lock_guard<std::mutex> lock(errors_mutex);
        ++error_count;
        if (of_subscriber && ++subscriber_errors > kMaxErrorsKept)
            return;
        errors.push_back(std::move(what));
    }
};

// The thing id of event number k in this run.
std::string thing_id(const Shared& shared, int k) {
    char tail[16];
    std::snprintf(tail, sizeof tail, "%012x", static_cast<unsigned>(k));
    return shared.id_prefix + tail;
}

// The event number of a thing id of this run, or -1 for any other id.
int event_number(const Shared& shared, std::string_view id) {
    if (id.size() != shared.id_prefix.size() + 12 ||
        id.compare(0, shared.id_prefix.size(), shared.id_prefix) != 0) {
        return -1;
    }
    int k = 0;
    for (char c : id.substr(shared.id_prefix.size())) {
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0)
            return -1;
        k = k * 16 + digit;
        if (k > shared.total_events)
            return -1;
    }
    return k;
}

class Shard;

// One subscriber: a graphql-transport-ws connection with one thingChanged subscription.
// Lives in its shard (one io_context run by one thread) until the end of the run.
class Subscriber {
  public:
    Subscriber(net::io_context& ioc, Shard& shard, Shared& shared, int index)
        : ws_(ioc), shard_(shard), shared_(shared), index_(index) {
        received_.resize(static_cast<std::size_t>(shared.total_events));
    }

    // Connects, authenticates, subscribes; reports to the shard once subscribed or failed.
    void start(const tcp::endpoint& endpoint);
    // Closes the socket at the end of the run.
    void close() {
        beast::error_code ignored;
        ws_.next_layer().close(ignored);
    }
    // The socket, for the shard's epoll loop.
    int native_socket() { return ws_.next_layer().native_handle(); }
    // Whether the subscriber is subscribed and streaming (not failed).
    bool streaming() const { return stage_ == Stage::kStreaming; }
    // Reads what arrived (one recv) and handles the complete frames in it.
    void on_readable();
    // When event k arrived (steady-clock ns), valid for k < events received.
    std::int64_t received(int k) const { return received_[static_cast<std::size_t>(k)]; }
    // Events received so far, in order.
    int count() const { return next_; }

  private:
    enum class Stage { kConnecting, kAwaitAck, kAwaitPong, kStreaming, kFailed };

    websocket::stream<tcp::socket> ws_;
    Shard& shard_;
    Shared& shared_;
    int index_;
    Stage stage_ = Stage::kConnecting;
    beast::flat_buffer buffer_;
    websocket::response_type response_;
    std::vector<std::int64_t> received_;
    int next_ = 0;
    // The streaming phase reads the socket itself (see start_streaming): bytes not parsed
    // yet, and the text of a fragmented message.
    std::vector<char> raw_;
    std::size_t raw_used_ = 0;
    std::string fragments_;

    // After the TCP connect: the WebSocket upgrade offering graphql-transport-ws.
    void on_connect(beast::error_code ec);
    // After the upgrade: checks the subprotocol and sends connection_init.
    void on_handshake(beast::error_code ec);
    // Reads the next frame.
    void do_read();
    // Handles one frame or the end of the connection.
    void on_read(beast::error_code ec, std::size_t bytes);
    // A frame other than a next of the subscription: the set-up steps, or an error.
    void on_control_frame(std::string_view text);
    // A next frame carrying the thing id: checks the order and takes the time.
    void on_event(std::string_view id, std::int64_t at);
    // A text message: a next frame of the subscription, or a set-up step.
    void on_message(std::string_view text, std::int64_t at);
    // Stops reading through Beast once subscribed: the shard's epoll loop takes over.
    void start_streaming();
    // Answers a ping of the streaming phase (a masked pong, written directly).
    void send_pong(std::string_view payload);
    // Handles one complete WebSocket frame of the streaming phase.
    void on_raw_frame(unsigned opcode, bool fin, std::string_view payload, std::int64_t at);
    // Marks the subscriber failed with a reason and closes it.
    void fail(const std::string& why);
};

// A share of the subscribers on one io_context and thread, set up a window at a time.
class Shard {
  public:
    Shard(Shared& shared, tcp::endpoint endpoint, int window)
        : shared_(shared), endpoint_(endpoint), window_(window), work_(ioc_.get_executor()) {}

    // Adds subscriber number index to this shard (before run()).
    void add(int index) {
        subscribers_.push_back(std::make_unique<Subscriber>(ioc_, *this, shared_, index));
    }
    // Starts the thread; it sets up the subscribers with Asio and Beast, then (after
    // stream()) reads their frames in an epoll loop until the run stops.
    void run() {
        net::post(ioc_, [this] { start_more(); });
        thread_ = std::thread([this] {
            ioc_.run();
            if (streaming_ && !shared_.stopping)
                epoll_loop();
        });
    }
    // Switches the thread to the epoll loop (once every subscriber is subscribed).
    void stream() {
        net::post(ioc_, [this] {
            streaming_ = true;
            ioc_.stop();
        });
    }
    // Ends the thread and closes every connection (shared.stopping must be set).
    void stop() {
        net::post(ioc_, [this] {
            work_.reset();
            ioc_.stop();
        });
        if (thread_.joinable())
            thread_.join();
        for (auto& subscriber : subscribers_)
            subscriber->close();
    }
    // A subscriber finished setting up (subscribed or failed): start the next one.
    void settled() {
        --in_flight_;
        start_more();
    }
    // The subscribers of this shard.
    const std::vector<std::unique_ptr<Subscriber>>& subscribers() const { return subscribers_; }

  private:
    Shared& shared_;
    tcp::endpoint endpoint_;
    int window_;
    // One thread per io_context, so the reactor needs no locks of its own.
    net::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    net::executor_work_guard<net::io_context::executor_type> work_;
    std::vector<std::unique_ptr<Subscriber>> subscribers_;
    std::size_t next_ = 0;
    int in_flight_ = 0;
    bool streaming_ = false;  // set and read by the shard's thread only
    std::thread thread_;

    // Reads the subscribers' frames as they arrive, until shared_.stopping.
    void epoll_loop();

    // Starts subscribers until window_ are being set up.
    void start_more() {
        while (in_flight_ < window_ && next_ < subscribers_.size() && !shared_.stopping) {
            ++in_flight_;
            subscribers_[next_++]->start(endpoint_);
        }
    }
};

void Subscriber::start(const tcp::endpoint& endpoint) {
    ws_.next_layer().async_connect(endpoint, [this](beast::error_code ec) { on_connect(ec); });
}

void Subscriber::on_connect(beast::error_code ec) {
    if (ec)
        return fail("connect: " + ec.message());
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
        request.set(beast::http::field::sec_websocket_protocol, "graphql-transport-ws");
    }));
    std::string host = shared_.options.host + ":" + std::to_string(shared_.options.port);
    ws_.async_handshake(response_, host, "/graphql/" + shared_.options.tenant,
                        [this](beast::error_code hec) { on_handshake(hec); });
}

void Subscriber::on_handshake(beast::error_code ec) {
    if (ec)
        return fail("websocket upgrade: " + ec.message());
    if (response_[beast::http::field::sec_websocket_protocol] != "graphql-transport-ws") {
        return fail("the gateway did not accept the subprotocol graphql-transport-ws");
    }
    response_ = {};
    ws_.text(true);
    stage_ = Stage::kAwaitAck;
    ws_.async_write(net::buffer(shared_.init_frame), [this](beast::error_code wec, std::size_t) {
        if (wec)
            fail("sending connection_init: " + wec.message());
    });
    do_read();
}

void Subscriber::do_read() {
    ws_.async_read(buffer_,
                   [this](beast::error_code ec, std::size_t bytes) { on_read(ec, bytes); });
}

void Subscriber::on_read(beast::error_code ec, std::size_t) {
    if (shared_.stopping || stage_ == Stage::kFailed)
        return;
    if (ec) {
        if (ec == websocket::error::closed) {
            return fail("closed by the gateway: " + std::to_string(ws_.reason().code) + " " +
                        std::string(ws_.reason().reason.c_str()));
        }
        return fail("read: " + ec.message());
    }
    std::int64_t at = now_ns();
    auto data = buffer_.cdata();
    on_message(std::string_view(static_cast<const char*>(data.data()), data.size()), at);
    buffer_.consume(buffer_.size());
    if (stage_ == Stage::kStreaming)
        return start_streaming();
    if (stage_ != Stage::kFailed)
        do_read();
}

void Subscriber::on_message(std::string_view text, std::int64_t at) {
    const std::string& prefix = shared_.next_prefix;
    const std::string& suffix = shared_.next_suffix;
    if (text.size() > prefix.size() + suffix.size() &&
        text.compare(0, prefix.size(), prefix) == 0 &&
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
        on_event(text.substr(prefix.size(), text.size() - prefix.size() - suffix.size()), at);
    } else {
        on_control_frame(text);
    }
}

// Beast's read costs two recv calls per frame (Asio retries a socket speculatively after
// every successful read, which then fails with EAGAIN), and an Asio async_wait an epoll_ctl
// per frame, plus their bookkeeping: on two shared cores that is a measurable share of what
// the gateway itself needs. So once subscribed a subscriber stops reading through Beast,
// and its shard's thread waits in a level-triggered epoll and reads each socket once per
// wake-up, parsing the gateway's unmasked frames itself. Nothing is lost at the switch:
// frames that arrive before it wait in the socket, and the gateway sends nothing after the
// pong until the writer starts, which is after every subscriber has its pong.
void Subscriber::start_streaming() {
    beast::error_code ec;
    ws_.next_layer().non_blocking(true, ec);
    if (ec)
        return fail("non-blocking socket: " + ec.message());
    raw_.resize(4096);
}

void Subscriber::on_readable() {
    if (shared_.stopping || stage_ != Stage::kStreaming)
        return;
    beast::error_code ec;
    std::size_t n = ws_.next_layer().read_some(
        net::buffer(raw_.data() + raw_used_, raw_.size() - raw_used_), ec);
    std::int64_t at = now_ns();
    if (ec == net::error::would_block)
        return;
    if (ec == net::error::eof)
        return fail("the gateway closed the connection without a close frame");
    if (ec)
        return fail("read: " + ec.message());
    raw_used_ += n;
    std::size_t pos = 0;
    while (stage_ == Stage::kStreaming) {
        std::size_t have = raw_used_ - pos;
        if (have < 2)
            break;
        auto byte = [&](std::size_t i) { return static_cast<unsigned char>(raw_[pos + i]); };
        bool fin = (byte(0) & 0x80) != 0;
        unsigned opcode = byte(0) & 0x0f;
        if ((byte(1) & 0x80) != 0)
            return fail("a masked frame from the gateway");
        std::uint64_t length = byte(1) & 0x7f;
        std::size_t header = 2;
        if (length == 126) {
            if (have < 4)
                break;
            length = (std::uint64_t{byte(2)} << 8) | byte(3);
            header = 4;
        } else if (length == 127) {
            if (have < 10)
                break;
            length = 0;
            for (std::size_t i = 2; i < 10; ++i)
                length = (length << 8) | byte(i);
            header = 10;
        }
        if (length > (std::uint64_t{64} << 20)) {
            return fail("a frame of " + std::to_string(length) + " bytes");
        }
        if (have < header + length) {
            // Room for the whole frame once it is moved to the start of the buffer.
            if (header + length > raw_.size())
                raw_.resize(header + length);
            break;
        }
        on_raw_frame(opcode, fin, std::string_view(raw_.data() + pos + header, length), at);
        pos += header + length;
    }
    if (stage_ != Stage::kStreaming)
        return;
    std::memmove(raw_.data(), raw_.data() + pos, raw_used_ - pos);
    raw_used_ -= pos;
}

void Subscriber::send_pong(std::string_view payload) {
    // Client frames are masked (RFC 6455 5.3); control payloads are at most 125 bytes.
    const unsigned char key[4] = {0x5a, 0x3c, 0x96, 0xe1};
    std::string frame;
    frame += static_cast<char>(0x8A);
    frame += static_cast<char>(0x80 | std::min<std::size_t>(payload.size(), 125));
    frame.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < payload.size() && i < 125; ++i) {
        frame += static_cast<char>(payload[i] ^ key[i % 4]);
    }
    beast::error_code ec;
    std::size_t sent = ws_.next_layer().write_some(net::buffer(frame), ec);
    if (ec || sent != frame.size())
        fail("sending pong: " + (ec ? ec.message() : std::string("short write")));
}

void Shard::epoll_loop() {
    int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) {
        shared_.error(std::string("epoll_create1: ") + std::strerror(errno));
        ++shared_.failed;
        return;
    }
    for (auto& subscriber : subscribers_) {
        if (!subscriber->streaming())
            continue;
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = subscriber.get();
        if (::epoll_ctl(epoll, EPOLL_CTL_ADD, subscriber->native_socket(), &event) != 0) {
            shared_.error(std::string("epoll_ctl: ") + std::strerror(errno));
            ++shared_.failed;
        }
    }
    std::vector<epoll_event> events(256);
    while (!shared_.stopping) {
        int ready = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 50);
        for (int i = 0; i < ready; ++i) {
            // A failed subscriber closes its socket, which takes it out of the set.
            static_cast<Subscriber*>(events[static_cast<std::size_t>(i)].data.ptr)->on_readable();
        }
    }
    ::close(epoll);
}

void Subscriber::on_raw_frame(unsigned opcode, bool fin, std::string_view payload,
                              std::int64_t at) {
    switch (opcode) {
        case 0x1:  // text
        case 0x0:  // continuation
            if (fin && fragments_.empty())
                return on_message(payload, at);
            fragments_.append(payload);
            if (fin) {
                std::string text = std::move(fragments_);
                fragments_.clear();
                on_message(text, at);
            }
            return;
        case 0x8: {  // close
            unsigned code = 1005;
            if (payload.size() >= 2) {
                code = (static_cast<unsigned>(static_cast<unsigned char>(payload[0])) << 8) |
                       static_cast<unsigned char>(payload[1]);
            }
            std::string reason(payload.size() > 2 ? payload.substr(2) : std::string_view());
            return fail("closed by the gateway: " + std::to_string(code) + " " + reason);
        }
        case 0x9:  // ping (the gateway's keep-alive)
            return send_pong(payload);
        case 0xA:  // pong
            return;
        default:
            return fail("a frame with opcode " + std::to_string(opcode));
    }
}

void Subscriber::on_control_frame(std::string_view text) {
    json message = json::parse(text, nullptr, false);
    std::string type =
        message.is_object() && message.contains("type") && message["type"].is_string()
            ? message["type"].get<std::string>()
            : std::string();
    if (stage_ == Stage::kAwaitAck && type == "connection_ack") {
        stage_ = Stage::kAwaitPong;
        // The pong comes after the gateway handled the subscribe: from then on, every event
        // it reads is delivered to this subscription.
        ws_.async_write(net::buffer(shared_.subscribe_frame),
                        [this](beast::error_code ec, std::size_t) {
                            if (ec)
                                return fail("sending subscribe: " + ec.message());
                            ws_.async_write(net::buffer(shared_.ping_frame),
                                            [this](beast::error_code pec, std::size_t) {
                                                if (pec)
                                                    fail("sending ping: " + pec.message());
                                            });
                        });
        return;
    }
    if (stage_ == Stage::kAwaitPong && type == "pong") {
        stage_ = Stage::kStreaming;
        ++shared_.subscribed;
        shard_.settled();
        return;
    }
    fail("unexpected frame: " + std::string(text.substr(0, 300)));
}

void Subscriber::on_event(std::string_view id, std::int64_t at) {
    int k = event_number(shared_, id);
    if (k < 0)
        return fail("an event of a thing this run did not write: " + std::string(id));
    if (k != next_) {
        return fail(k < next_
                        ? "event " + std::to_string(k) + " again after event " +
                              std::to_string(next_ - 1)
                        : "event " + std::to_string(k) + " before event " + std::to_string(next_));
    }
    received_[static_cast<std::size_t>(k)] = at;
    if (++next_ == shared_.total_events)
        ++shared_.complete;
}

void Subscriber::fail(const std::string& why) {
    if (stage_ == Stage::kFailed || shared_.stopping)
        return;
    bool setting_up = stage_ != Stage::kStreaming;
    stage_ = Stage::kFailed;
    ++shared_.failed;
    shared_.error("subscriber " + std::to_string(index_) + ": " + why, true);
    close();
    if (setting_up)
        shard_.settled();
}

// Receives the NOTIFYs of udm_data for one tenant, timestamped.
class NotifyReceiver : public pqxx::notification_receiver {
  public:
    NotifyReceiver(pqxx::connection_base& connection, std::string tenant,
                   std::vector<std::int64_t>& times)
        : pqxx::notification_receiver(connection, "udm_data"),
          tenant_(std::move(tenant)),
          times_(times) {}

    // Takes the time of a signal of this tenant.
    void operator()(const std::string& payload, int) override {
        std::int64_t at = now_ns();
        json message = json::parse(payload, nullptr, false);
        if (message.is_object() && message.value("tenant", std::string()) == tenant_) {
            times_.push_back(at);
        }
    }

  private:
    std::string tenant_;
    std::vector<std::int64_t>& times_;
};

// The baseline: one libpq connection LISTENing on udm_data, reading the outbox after each
// signal as a minimal follower does (docs/events.md), on its own thread.
class Baseline {
  public:
    explicit Baseline(Shared& shared) : shared_(shared) {
        read_.resize(static_cast<std::size_t>(shared.total_events));
        notified_.reserve(static_cast<std::size_t>(shared.total_events) + 16);
    }

    // Connects, LISTENs, finds the outbox head, then follows on a thread.
    void start() {
        thread_ = std::thread([this] { run(); });
        while (!ready_ && !failed_)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // Ends the thread.
    void stop() {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    // Whether the connection or a read failed (the error is in shared.errors).
    bool failed() const { return failed_; }
    // Whether every signal and every event arrived.
    bool complete() const {
        return signals_ >= shared_.total_events && read_count_ >= shared_.total_events;
    }
    // Signals received (their times: signal_time).
    int signals() const { return signals_; }
    // Events read from the outbox (their times: read_time).
    int events_read() const { return read_count_; }
    // When the k-th signal arrived: the k-th commit, as each commit is one transaction.
    std::int64_t signal_time(int k) const { return notified_[static_cast<std::size_t>(k)]; }
    // When event k was read from the outbox.
    std::int64_t read_time(int k) const { return read_[static_cast<std::size_t>(k)]; }

  private:
    Shared& shared_;
    std::thread thread_;
    std::atomic<bool> ready_{false};
    std::atomic<bool> failed_{false};
    std::atomic<bool> stop_{false};
    std::vector<std::int64_t> notified_;  // written by the thread only
    std::vector<std::int64_t> read_;
    std::atomic<int> signals_{0};
    std::atomic<int> read_count_{0};
    std::string position_;

    // The thread: LISTEN, then wait for signals and read after each.
    void run() {
        try {
            pqxx::connection connection(shared_.options.database_url);
            NotifyReceiver receiver(connection, shared_.options.tenant, notified_);
            {
                pqxx::nontransaction txn(connection);
                position_ =
                    txn.exec_params("SELECT udm.data_head($1)::text", shared_.options.tenant)[0][0]
                        .c_str();
            }
            ready_ = true;
            while (!stop_) {
                connection.await_notification(0, 100000);
                signals_ = static_cast<int>(notified_.size());
                // A signal that brought nothing new is read again shortly (an older
                // transaction may still hold the events back).
                for (int tries = 0; read_count_ < signals_ && tries < 1000 && !stop_; ++tries) {
                    if (tries > 0)
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    read_outbox(connection);
                }
            }
        } catch (const std::exception& e) {
            shared_.error(std::string("baseline: ") + e.what());
            failed_ = true;
        }
    }

    // Reads the events after the last position and takes the time they arrived.
    void read_outbox(pqxx::connection& connection) {
        pqxx::nontransaction txn(connection);
        pqxx::result rows = txn.exec_params(
            "SELECT \"position\"::text, thing_id::text FROM udm.data_events($1, $2::numeric, 1000)",
            shared_.options.tenant, position_);
        std::int64_t at = now_ns();
        for (const auto& row : rows) {
            int k = event_number(shared_, row[1].c_str());
            if (k != read_count_) {
                throw std::runtime_error("outbox event " + std::string(row[1].c_str()) +
                                         " out of order (expected number " +
                                         std::to_string(read_count_.load()) + ")");
            }
            read_[static_cast<std::size_t>(k)] = at;
            ++read_count_;
            position_ = row[0].c_str();
        }
    }
};

// Percentiles of a sample, in milliseconds.
struct Summary {
    std::size_t count = 0;
    double p50 = 0, p90 = 0, p99 = 0, max = 0, min = 0;
};

// Summarises nanosecond samples (sorted in place) as milliseconds; nearest-rank percentiles.
Summary summarize(std::vector<std::int64_t>& ns) {
    Summary s;
    s.count = ns.size();
    if (ns.empty())
        return s;
    std::sort(ns.begin(), ns.end());
    auto rank = [&ns](double p) {
        auto index = static_cast<std::size_t>(std::ceil(p * static_cast<double>(ns.size())));
        return static_cast<double>(ns[std::min(ns.size() - 1, index == 0 ? 0 : index - 1)]) / 1e6;
    };
    s.p50 = rank(0.50);
    s.p90 = rank(0.90);
    s.p99 = rank(0.99);
    s.max = static_cast<double>(ns.back()) / 1e6;
    s.min = static_cast<double>(ns.front()) / 1e6;
    return s;
}

// One row of the human-readable table.
void print_row(const char* what, const Summary& s) {
    std::printf("  %-44s %9zu %8.2f %8.2f %8.2f %8.2f\n", what, s.count, s.p50, s.p90, s.p99,
                s.max);
}

// Appends " <name>_p50=... _p90 _p99 _max" for the result line.
void append_keys(std::ostringstream& out, const char* name, const Summary& s) {
    char text[200];
    std::snprintf(text, sizeof text, " %s_p50=%.3f %s_p90=%.3f %s_p99=%.3f %s_max=%.3f", name,
                  s.p50, name, s.p90, name, s.p99, name, s.max);
    out << text;
}

// CPU seconds (user + system) of this process so far.
double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// CPU seconds (user + system) of process pid so far, from /proc; 0 if unknown.
double process_cpu_seconds(int pid) {
    if (pid <= 0)
        return 0;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name, which is in parentheses and may hold spaces.
    std::size_t close = text.rfind(')');
    if (close == std::string::npos)
        return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14 || i == 15)
            ticks += std::strtod(field.c_str(), nullptr);
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The system clock minus the steady clock, in ns: commit timestamps are on the first,
// everything this process measures on the second. The closest of a few readings.
std::int64_t realtime_offset_ns() {
    std::int64_t best_gap = INT64_MAX, offset = 0;
    for (int i = 0; i < 5; ++i) {
        std::int64_t before = now_ns();
        std::int64_t system = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
        std::int64_t after = now_ns();
        if (after - before < best_gap) {
            best_gap = after - before;
            offset = system - (before + after) / 2;
        }
    }
    return offset;
}

// Waits until done() or the deadline, or until stop_early(); true when done() held.
template <typename Done, typename StopEarly>
bool wait_for(Done done, StopEarly stop_early, Clock::time_point deadline) {
    while (!done()) {
        if (stop_early() || Clock::now() >= deadline)
            return done();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

// The whole run; returns the exit status.
int run(const Options& options) {
    auto secret = read_secret(options.secret_file);
    if (!secret) {
        std::cerr << "udm_gateway_load: cannot read " << options.secret_file << "\n";
        return kExitSetup;
    }
    if (!raise_file_limit(static_cast<rlim_t>(options.subscribers) + 256)) {
        std::cerr << "udm_gateway_load: cannot raise the open-file limit to "
                  << options.subscribers + 256 << " (ulimit -n)\n";
        return kExitSetup;
    }

    Shared shared;
    shared.options = options;
    shared.total_events = options.warmup + options.events;
    auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count() +
               3600;
    std::string token =
        udm::gateway::sign_hs256(json{{"tenant", options.tenant}, {"exp", exp}}, *secret);
    shared.init_frame = json{{"type", "connection_init"}, {"payload", {{"token", token}}}}.dump();
    std::string query = "subscription { thingChanged(class: " + json(options.class_name).dump() +
                        ") { id operation } }";
    if (options.things) {
        // Every event's thing is the same but for its id: the frames keep one suffix.
        const std::string field = camel_case(options.class_name) + "Changed";
        query =
            "subscription { " + field + " { id operation thing { name price maker { name } } } }";
        shared.next_prefix =
            R"({"id":"1","type":"next","payload":{"data":{")" + field + R"(":{"id":")";
        shared.next_suffix =
            R"(","operation":"INSERT","thing":{"name":"item","price":1.5,"maker":{"name":"Acme"}}}}}})";
    }
    shared.subscribe_frame =
        json{{"id", "1"}, {"type", "subscribe"}, {"payload", {{"query", query}}}}.dump();
    std::random_device random;
    char nonce[40];
    std::snprintf(nonce, sizeof nonce, "%08x-0000-4000-8000-", static_cast<unsigned>(random()));
    shared.id_prefix = nonce;

    // The writer first, so that a bad database connection fails before anything else.
    std::unique_ptr<pqxx::connection> writer;
    std::string table;
    bool commit_timestamps = false;
    try {
        writer = std::make_unique<pqxx::connection>(options.database_url);
        pqxx::nontransaction txn(*writer);
        table = txn.exec_params("SELECT udm.class_table($1, $2)::text", options.tenant,
                                options.class_name)[0][0]
                    .c_str();
        commit_timestamps =
            std::string(txn.exec("SHOW track_commit_timestamp")[0][0].c_str()) == "on";
        if (options.maker_class.empty()) {
            writer->prepare("insert_thing", "INSERT INTO " + table + " (id) VALUES ($1::uuid)");
        } else {
            const std::string makers = txn.exec_params("SELECT udm.class_table($1, $2)::text",
                                                       options.tenant, options.maker_class)[0][0]
                                           .c_str();
            writer->prepare("insert_thing", "INSERT INTO " + table +
                                                " (id, name, price, maker) SELECT $1::uuid, "
                                                "'item', 1.5, (SELECT id FROM " +
                                                makers + " ORDER BY id LIMIT 1)");
        }
    } catch (const std::exception& e) {
        std::cerr << "udm_gateway_load: writer: " << e.what() << "\n";
        return kExitSetup;
    }

    Baseline baseline(shared);
    baseline.start();
    if (baseline.failed()) {
        std::cerr << "udm_gateway_load: " << shared.errors.front() << "\n";
        return kExitSetup;
    }

    boost::system::error_code address_ec;
    auto address = net::ip::make_address(options.host, address_ec);
    if (address_ec) {
        std::cerr << "udm_gateway_load: bad --host " << options.host << "\n";
        baseline.stop();
        return kExitUsage;
    }
    tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
    std::vector<std::unique_ptr<Shard>> shards;
    int window = std::max(1, options.connect_window / options.threads);
    for (int t = 0; t < options.threads; ++t)
        shards.push_back(std::make_unique<Shard>(shared, endpoint, window));
    for (int i = 0; i < options.subscribers; ++i)
        shards[static_cast<std::size_t>(i % options.threads)]->add(i);

    double cpu_start = cpu_seconds();
    auto connect_start = Clock::now();
    for (auto& shard : shards)
        shard->run();
    bool subscribed = wait_for(
        [&] { return shared.subscribed == options.subscribers; }, [&] { return shared.failed > 0; },
        connect_start + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(options.connect_timeout_s)));
    double connect_s = std::chrono::duration<double>(Clock::now() - connect_start).count();
    auto stop_all = [&] {
        shared.stopping = true;
        for (auto& shard : shards)
            shard->stop();
        baseline.stop();
    };
    if (!subscribed) {
        stop_all();
        std::cerr << "udm_gateway_load: " << shared.subscribed << " of " << options.subscribers
                  << " subscribers set up in " << connect_s << " s\n";
        for (const auto& e : shared.errors)
            std::cerr << "  " << e << "\n";
        return kExitSetup;
    }
    for (auto& shard : shards)
        shard->stream();
    std::fprintf(stderr,
                 "udm_gateway_load: %d subscribers set up in %.2f s; writing %d + %d events, one "
                 "every %g ms\n",
                 options.subscribers, connect_s, options.warmup, options.events,
                 options.interval_ms);

    // The writer: one single-row INSERT per transaction, at a steady pace.
    std::vector<std::int64_t> sent(static_cast<std::size_t>(shared.total_events));
    std::vector<std::int64_t> committed(static_cast<std::size_t>(shared.total_events));
    auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double, std::milli>(options.interval_ms));
    std::int64_t clock_offset_start = realtime_offset_ns();
    double cpu_measure_start = 0;
    double gateway_cpu_start = 0;
    auto next = Clock::now();
    auto write_start = next;
    int written = 0;  // events committed (all of them unless something failed)
    try {
        for (int k = 0; k < shared.total_events && shared.failed == 0; ++k) {
            if (k == options.warmup) {
                cpu_measure_start = cpu_seconds();
                gateway_cpu_start = process_cpu_seconds(options.gateway_pid);
                write_start = Clock::now();
            }
            std::string id = thing_id(shared, k);
            pqxx::nontransaction txn(*writer);
            sent[static_cast<std::size_t>(k)] = now_ns();
            txn.exec_prepared("insert_thing", id);
            committed[static_cast<std::size_t>(k)] = now_ns();
            written = k + 1;
            next += interval;
            auto now = Clock::now();
            if (next < now)
                next = now;
            std::this_thread::sleep_until(next);
        }
    } catch (const std::exception& e) {
        shared.error(std::string("writer: ") + e.what());
    }
    double write_s = std::chrono::duration<double>(Clock::now() - write_start).count();
    auto drain_start = Clock::now();
    bool drained = wait_for(
        [&] {
            return shared.complete + shared.failed >= options.subscribers && baseline.complete();
        },
        [&] { return baseline.failed(); },
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(options.drain_timeout_s)));
    double cpu_measure = cpu_seconds() - cpu_measure_start;
    double gateway_cpu = process_cpu_seconds(options.gateway_pid) - gateway_cpu_start;
    stop_all();
    double cpu_total = cpu_seconds() - cpu_start;
    std::int64_t clock_offset = realtime_offset_ns();
    std::int64_t clock_drift = clock_offset - clock_offset_start;

    // The reference time of each event: when PostgreSQL committed it (its commit timestamp,
    // on the same system clock as this process), or else when the COMMIT returned to the
    // writer. The second is late whenever the writer thread waits for a CPU, which on two
    // busy cores happens: deliveries then seem to come before their commit.
    std::vector<std::int64_t> reference = committed;
    if (commit_timestamps) {
        try {
            pqxx::nontransaction txn(*writer);
            pqxx::result rows = txn.exec_params(
                "SELECT id::text, (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000)"
                "::bigint FROM " +
                    table + " WHERE id::text LIKE $1",
                shared.id_prefix + "%");
            int found = 0;
            for (const auto& row : rows) {
                int k = event_number(shared, row[0].c_str());
                if (k < 0 || k >= shared.total_events || row[1].is_null())
                    continue;
                // System-clock microseconds to this process's steady clock.
                reference[static_cast<std::size_t>(k)] =
                    row[1].as<std::int64_t>() * 1000 - (clock_offset_start + clock_offset) / 2;
                ++found;
            }
            if (found != written) {
                shared.error("commit timestamps of " + std::to_string(found) + " of " +
                             std::to_string(written) + " events");
            }
        } catch (const std::exception& e) {
            shared.error(std::string("reading commit timestamps: ") + e.what());
        }
    }

    // Correctness: every subscriber and the baseline got everything.
    int missing_subscribers = 0;
    for (const auto& shard : shards) {
        for (const auto& subscriber : shard->subscribers()) {
            if (subscriber->count() < shared.total_events)
                ++missing_subscribers;
        }
    }
    if (!drained) {
        char waited[32];
        std::snprintf(waited, sizeof waited, "%.1f",
                      std::chrono::duration<double>(Clock::now() - drain_start).count());
        shared.error(std::string("after ") + waited +
                     " s of draining: " + std::to_string(shared.complete.load()) + " of " +
                     std::to_string(options.subscribers) +
                     " subscribers had every event; the baseline had " +
                     std::to_string(baseline.signals()) + " signals and " +
                     std::to_string(baseline.events_read()) + " events of " +
                     std::to_string(shared.total_events));
    }
    if (baseline.signals() > shared.total_events) {
        shared.error("the baseline got " + std::to_string(baseline.signals()) + " signals for " +
                     std::to_string(shared.total_events) + " commits");
    }

    // Latencies of the measured events (the warm-up ones are checked, not timed).
    int first = options.warmup;
    std::vector<std::int64_t> gateway_ns, last_ns, first_ns, signal_ns, read_ns, commit_ns,
        returned_ns;
    gateway_ns.reserve(static_cast<std::size_t>(options.subscribers) *
                       static_cast<std::size_t>(options.events));
    std::size_t early = 0;
    for (int k = first; k < written; ++k) {
        std::int64_t c = reference[static_cast<std::size_t>(k)];
        commit_ns.push_back(committed[static_cast<std::size_t>(k)] -
                            sent[static_cast<std::size_t>(k)]);
        returned_ns.push_back(committed[static_cast<std::size_t>(k)] - c);
        std::int64_t latest = INT64_MIN, earliest = INT64_MAX;
        for (const auto& shard : shards) {
            for (const auto& subscriber : shard->subscribers()) {
                if (subscriber->count() <= k)
                    continue;
                std::int64_t latency = subscriber->received(k) - c;
                if (latency < 0)
                    ++early;
                gateway_ns.push_back(latency);
                latest = std::max(latest, latency);
                earliest = std::min(earliest, latency);
            }
        }
        if (latest != INT64_MIN) {
            last_ns.push_back(latest);
            first_ns.push_back(earliest);
        }
        if (k < baseline.signals())
            signal_ns.push_back(baseline.signal_time(k) - c);
        if (k < baseline.events_read())
            read_ns.push_back(baseline.read_time(k) - c);
    }
    Summary gateway = summarize(gateway_ns), last = summarize(last_ns),
            first_delivery = summarize(first_ns), signal = summarize(signal_ns),
            read = summarize(read_ns), commit = summarize(commit_ns),
            returned = summarize(returned_ns);

    std::printf(
        "udm_gateway_load: %d subscribers, %d events (+%d warm-up), one every %g ms, %d client "
        "thread(s)\n",
        options.subscribers, options.events, options.warmup, options.interval_ms, options.threads);
    std::printf("  latency from %-31s %9s %8s %8s %8s %8s\n",
                commit_timestamps ? "the commit (its timestamp), ms" : "COMMIT returned, ms",
                "samples", "p50", "p90", "p99", "max");
    print_row("gateway: each (event, subscriber)", gateway);
    print_row("gateway: first subscriber of each event", first_delivery);
    print_row("gateway: last subscriber of each event", last);
    print_row("baseline: LISTEN udm_data, NOTIFY received", signal);
    print_row("baseline: + udm.data_events read", read);
    print_row("writer: INSERT round trip (sent to returned)", commit);
    if (commit_timestamps)
        print_row("writer: COMMIT returned (after the commit)", returned);
    // CPU time per delivery while the timed events were written and delivered.
    double per_delivery = gateway.count > 0 ? 1e6 / static_cast<double>(gateway.count) : 0;
    double client_us = cpu_measure * per_delivery;
    double gateway_us = gateway_cpu * per_delivery;
    std::printf(
        "  deliveries before the reference time: %zu; system clock drift %.3f ms; connect "
        "%.2f s\n",
        early, static_cast<double>(clock_drift) / 1e6, connect_s);
    std::printf("  CPU per delivery while measuring (%.2f s): client %.2f us", write_s, client_us);
    if (options.gateway_pid > 0)
        std::printf(", gateway %.2f us", gateway_us);
    std::printf("\n");
    if (signal.p50 > 0) {
        std::printf("  ratio gateway / NOTIFY: p50 %.1fx, p99 %.1fx\n", gateway.p50 / signal.p50,
                    gateway.p99 / signal.p99);
    }

    bool correct = shared.error_count == 0 && missing_subscribers == 0;
    if (!correct) {
        std::printf("  ERRORS (%zu; %d subscriber(s) without every event):\n", shared.error_count,
                    missing_subscribers);
        for (const auto& e : shared.errors)
            std::printf("    %s\n", e.c_str());
    }
    std::ostringstream line;
    line << "result subscribers=" << options.subscribers << " events=" << options.events
         << " interval_ms=" << options.interval_ms << " threads=" << options.threads
         << " deliveries=" << gateway.count << " correct=" << (correct ? 1 : 0)
         << " errors=" << shared.error_count << " missing_subscribers=" << missing_subscribers
         << " early=" << early
         << " reference=" << (commit_timestamps ? "commit_timestamp" : "commit_returned")
         << " clock_drift_us=" << clock_drift / 1000;
    append_keys(line, "gw", gateway);
    append_keys(line, "gw_first", first_delivery);
    append_keys(line, "gw_last", last);
    append_keys(line, "notify", signal);
    append_keys(line, "read", read);
    append_keys(line, "commit", commit);
    append_keys(line, "returned", returned);
    char tail[200];
    std::snprintf(tail, sizeof tail,
                  " connect_s=%.2f write_s=%.2f client_cpu_s=%.2f client_cpu_measure_s=%.2f"
                  " client_us_per_delivery=%.2f gateway_us_per_delivery=%.2f",
                  connect_s, write_s, cpu_total, cpu_measure, client_us,
                  options.gateway_pid > 0 ? gateway_us : 0.0);
    line << tail;
    std::printf("%s\n", line.str().c_str());
    std::fflush(stdout);
    return correct ? 0 : kExitIncorrect;
}

}  // namespace

// Parses the options and runs the load.
int main(int argc, char** argv) {
    auto options = parse_options(argc, argv);
    if (!options) {
        print_usage(std::cerr);
        return kExitUsage;
    }
    try {
        return run(*options);
    } catch (const std::exception& e) {
        std::cerr << "udm_gateway_load: " << e.what() << "\n";
        return kExitSetup;
    }
}
