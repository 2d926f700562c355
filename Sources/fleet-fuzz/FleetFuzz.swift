import FleetFuzzTargets

#if canImport(Glibc)
import Glibc
#endif

/// `fleet-fuzz`: built by `make fuzz` with `-sanitize=fuzzer -DFLEET_LIBFUZZER`, it is a
/// libFuzzer binary for the target named by FLEET_FUZZ_TARGET (libFuzzer's own flags apply).
/// Built normally, `fleet-fuzz TARGET FILE...` replays inputs through a target (to reproduce a
/// crasher under a debugger).
@main
struct FleetFuzz {
    static func main() {
        #if FLEET_LIBFUZZER
        guard selectedTarget != nil else {
            print("set FLEET_FUZZ_TARGET to one of: \(FuzzTargets.all.keys.sorted().joined(separator: ", "))")
            exit(2)
        }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, { data, size in fuzzOneInput(data, size) }))
        #else
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, let target = FuzzTargets.all[arguments[1]] else {
            print("usage: fleet-fuzz TARGET FILE...   (targets: \(FuzzTargets.all.keys.sorted().joined(separator: ", ")))")
            exit(2)
        }
        for path in arguments.dropFirst(2) {
            guard let file = fopen(path, "rb") else { print("cannot read \(path)"); exit(1) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = fread(&buffer, 1, buffer.count, file)
                if n <= 0 { break }
                bytes += buffer[..<n]
            }
            fclose(file)
            target(bytes)
            print("ok \(path)")
        }
        #endif
    }
}

#if FLEET_LIBFUZZER
nonisolated(unsafe) let selectedTarget: (([UInt8]) -> Void)? = getenv("FLEET_FUZZ_TARGET").flatMap { FuzzTargets.all[String(cString: $0)] }

/// libFuzzer's entry for each input (its runtime references it even when the driver is run
/// from our own main).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    selectedTarget?(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32
#endif
