// A child process for flood tests: opens many connections to a loopback port and holds them,
// so a test can hold more connections than its own descriptor limit allows.
// Usage:
//   fleet-load-helper hold PORT COUNT SECONDS [partial]
//     open COUNT connections to 127.0.0.1:PORT (with `partial`, send half a request head on
//     each), print "holding N" once they are open, keep them SECONDS, exit.
#if canImport(Glibc)
import Glibc
#endif

func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 5, arguments[1] == "hold", let port = UInt16(arguments[2]), let count = Int(arguments[3]),
      let seconds = UInt32(arguments[4]) else {
    say("usage: fleet-load-helper hold PORT COUNT SECONDS [partial]")
    exit(2)
}
let partial = arguments.count > 5 && arguments[5] == "partial"

var limit = rlimit()
getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = limit.rlim_max
setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)

var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = port.bigEndian
address.sin_addr.s_addr = inet_addr("127.0.0.1")
let head = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8)
var open = 0
var sockets: [Int32] = []
for _ in 0..<count {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { break }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard result == 0 else { close(fd); continue }
    if partial { _ = head.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
    sockets.append(fd)
    open += 1
}
say("holding \(open)")
sleep(seconds)
for fd in sockets { close(fd) }
