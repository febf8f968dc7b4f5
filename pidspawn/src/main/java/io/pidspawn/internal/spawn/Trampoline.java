package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Native;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The C trampoline, loaded from the jar. The library is copied into a memfd and loaded from
 * there, so nothing is written to disk; where memfds may not be mapped executable
 * ({@code vm.memfd_noexec=2}) it goes through a private temporary file instead.
 */
final class Trampoline {
    /** The platforms the jar carries a trampoline for, by {@code os.arch}, with their usual names. */
    static final java.util.Map<String, String> PLATFORMS = java.util.Map.of("amd64", "x86_64", "aarch64", "aarch64");

    static final String RESOURCE = resource(System.getProperty("os.name"), System.getProperty("os.arch"));

    // pidspawn_plan.h: the functions behind ps_call, the library's one export
    static final long CALL_ABI = 1, CALL_SPAWN = 2, CALL_RELAY_INSTALL = 3, CALL_RELAY_TARGET = 4, CALL_RELAY_RESTORE = 5;

    /** ps_call, once loaded; loaded by the first spawn, again after a load short of fds. */
    private static volatile MethodHandle entry;

    private Trampoline() {}

    /**
     * ps_call, bound with syscall(2)'s downcall shape, which the library has linked already; or
     * null when the library could not be loaded for want of a free fd (EMFILE, ENFILE). Not
     * Linker.Option.critical: a spawning thread sleeps until the child execs, and a critical
     * call would hold off safepoints for that long.
     */
    static synchronized MethodHandle handle() {
        if (entry == null) {
            SymbolLookup lib = load();
            if (lib == null) {
                return null;
            }
            MethodHandle h = Native.syscallShape(lib, "ps_call");
            checkAbi(h);
            entry = h;
        }
        return entry;
    }

    /**
     * Calls the library's function fn (a CALL_* constant) with two arguments; -EMFILE when the
     * library could not be loaded for want of a free fd.
     */
    static long call(long fn, long a, long b) {
        MethodHandle h = entry != null ? entry : handle();
        if (h == null) {
            return -Errno.EMFILE;
        }
        return invoke(h, fn, a, b);
    }

    private static long invoke(MethodHandle h, long fn, long a, long b) {
        try {
            return (long) h.invokeExact(Native.state(), fn, a, b, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new AssertionError("pidspawn: ps_call " + fn + " failed unexpectedly; please report", t);
        }
    }

    /**
     * The jar's trampoline for a platform, or an error naming the platforms there are: the
     * library runs nowhere else, and no compiler is needed at run time on those.
     */
    static String resource(String osName, String osArch) {
        if (!"Linux".equals(osName) || !PLATFORMS.containsKey(osArch)) {
            throw new UnsatisfiedLinkError("pidspawn: no trampoline for " + osName + " " + osArch
                    + "; pidspawn runs on Linux on x86_64 (os.arch amd64) and aarch64, the platforms its jar carries a trampoline for");
        }
        return "/io/pidspawn/internal/native/linux-" + osArch + "/libpidspawn.so";
    }

    /** Runs ps_spawn: 0 when a child was created (it runs, or failed and was reaped), else -errno. */
    static int spawn(MemorySegment request) {
        try {
            return (int) call(CALL_SPAWN, request.address(), 0);
        } finally {
            Reference.reachabilityFence(request);
        }
    }

    private static void checkAbi(MethodHandle h) {
        int[] have = {query(h, PlanAbi.Q_VERSION), query(h, PlanAbi.Q_SIZEOF_OP), query(h, PlanAbi.Q_SIZEOF_REQUEST),
                query(h, PlanAbi.Q_OFFSETOF_PID), query(h, PlanAbi.Q_OFFSETOF_ERRNO)};
        int[] want = {PlanAbi.VERSION, (int) PlanAbi.OP.byteSize(), (int) PlanAbi.REQUEST.byteSize(),
                (int) PlanAbi.RQ_PID, (int) PlanAbi.RQ_FAIL_ERRNO};
        if (!java.util.Arrays.equals(have, want)) {
            throw new LinkageError(String.format(
                    "pidspawn: the native trampoline %s does not match this library: trampoline ABI %d with "
                            + "op %d, request %d bytes (pid at %d, errno at %d); Java expects ABI %d with op %d, "
                            + "request %d bytes (pid at %d, errno at %d). Rebuild pidspawn so both come from one source tree.",
                    RESOURCE, have[0], have[1], have[2], have[3], have[4], want[0], want[1], want[2], want[3], want[4]));
        }
    }

    private static int query(MethodHandle h, int what) {
        return (int) invoke(h, CALL_ABI, what, 0);
    }

    private static SymbolLookup load() {
        byte[] image;
        try (InputStream in = Trampoline.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("pidspawn: " + RESOURCE + " is missing from the jar, which should carry "
                        + "the trampoline for Linux x86_64 and aarch64; rebuild pidspawn (mvn install)");
            }
            image = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("pidspawn: reading " + RESOURCE, e);
        }
        int fd = Libc.memfdCreate("libpidspawn.so", Libc.MFD_CLOEXEC);
        if (fd == -Errno.EMFILE || fd == -Errno.ENFILE) {
            return null; // the next spawn tries again
        }
        if (fd >= 0) {
            try {
                if (writeAll(fd, image)) {
                    // By name, so that dlopen opens the path as it is: the Path overload resolves it
                    // first, to "/memfd:libpidspawn.so (deleted)", which is no file.
                    return SymbolLookup.libraryLookup("/proc/self/fd/" + fd, Arena.global());
                }
            } catch (IllegalArgumentException notLoadable) {
                // memfds not executable here; fall through to a file
            } finally {
                Libc.close(fd); // the mapping keeps the library alive
            }
        }
        try {
            Path dir = Files.createTempDirectory("pidspawn", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve("libpidspawn.so");
            Files.write(file, image);
            SymbolLookup lookup = SymbolLookup.libraryLookup(file, Arena.global());
            Files.delete(file);
            Files.delete(dir);
            return lookup;
        } catch (IOException e) {
            throw new UncheckedIOException("pidspawn: could not stage the trampoline library", e);
        }
    }

    private static boolean writeAll(int fd, byte[] bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
            long off = 0;
            while (off < bytes.length) {
                long n = Libc.write(fd, buf.asSlice(off), bytes.length - off);
                if (n <= 0) {
                    return false;
                }
                off += n;
            }
            return true;
        }
    }
}
