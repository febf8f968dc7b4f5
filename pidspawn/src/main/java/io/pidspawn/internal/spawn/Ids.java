package io.pidspawn.internal.spawn;

import io.pidspawn.internal.linux.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** The JVM's effective ids, for the permission checks made at config time. */
final class Ids {
    private static final MethodHandle GETEUID = Native.call(Native.LIBC, "geteuid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle GETEGID = Native.call(Native.LIBC, "getegid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle GETGROUPS = Native.call(Native.LIBC, "getgroups",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    static final int EUID = call(GETEUID);

    private Ids() {}

    static int egid() {
        return call(GETEGID);
    }

    static boolean inGroup(int gid) {
        if (gid == egid()) {
            return true;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment list = a.allocate(ValueLayout.JAVA_INT, 65536);
            int n = (int) GETGROUPS.invokeExact(65536, list);
            for (int i = 0; i < n; i++) {
                if (list.getAtIndex(ValueLayout.JAVA_INT, i) == gid) {
                    return true;
                }
            }
            return false;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static int call(MethodHandle h) {
        try {
            return (int) h.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
