package io.pidspawn.internal.spawn;

import io.pidspawn.internal.linux.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The JVM's effective ids, for the permission checks made at config time. */
final class Ids {
    static final int EUID = Libc.geteuid();

    private Ids() {}

    static int egid() {
        return Libc.getegid();
    }

    static boolean inGroup(int gid) {
        if (gid == egid()) {
            return true;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment list = a.allocate(ValueLayout.JAVA_INT, 65536);
            int n = Libc.getgroups(65536, list);
            for (int i = 0; i < n; i++) {
                if (list.getAtIndex(ValueLayout.JAVA_INT, i) == gid) {
                    return true;
                }
            }
            return false;
        }
    }
}
