package io.pidspawn.bench;

import io.pidspawn.Errno;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Native;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * RLIMIT_NOFILE for the populations of {@code loaded} and {@code supervise}: one pidfd (or one
 * extra fd, in C) per child. Raised here, in the harness, so that every worker inherits it; the
 * JVM and the C driver then raise their soft limit to the hard one.
 */
final class FdLimit {
    private static final MethodHandle SETRLIMIT = Native.errnoCall("setrlimit",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    private FdLimit() {}

    /** Makes the hard limit at least {@code fds} if it is lower (only root may). RLIM_INFINITY is -1: unsigned. */
    static void ensure(long fds) throws IOException {
        long[] limit = Libc.getrlimit(Libc.RLIMIT_NOFILE);
        if (Long.compareUnsigned(limit[1], fds) >= 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rlim = arena.allocate(ValueLayout.JAVA_LONG, 2);
            rlim.setAtIndex(ValueLayout.JAVA_LONG, 0, fds);
            rlim.setAtIndex(ValueLayout.JAVA_LONG, 1, fds);
            int r = Native.result((int) SETRLIMIT.invokeExact(Native.state(), Libc.RLIMIT_NOFILE, rlim));
            if (r < 0) {
                throw new IOException("RLIMIT_NOFILE is " + limit[1] + " and " + fds + " fds are needed; raising it failed: "
                        + Errno.describe(-r) + " (raise it with ulimit -n, as root)");
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
