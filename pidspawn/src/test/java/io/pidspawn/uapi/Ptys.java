package io.pidspawn.uapi;

import io.pidspawn.internal.linux.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Pseudo-terminals for controlling-terminal tests. */
public final class Ptys {
    private static final long TIOCSPTLCK = 0x40045431L, TIOCGPTPEER = 0x5441L; // asm-generic/ioctls.h

    private Ptys() {}

    /** Unlocks a /dev/ptmx master and opens its slave (TIOCGPTPEER, Linux 4.13). */
    public static int openSlave(int master) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment unlock = a.allocate(ValueLayout.JAVA_INT);
            if (Libc.ioctl(master, TIOCSPTLCK, unlock) < 0) {
                throw new IllegalStateException("TIOCSPTLCK");
            }
        }
        int slave = Libc.ioctl(master, TIOCGPTPEER,
                MemorySegment.ofAddress(Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC));
        if (slave < 0) {
            throw new IllegalStateException("TIOCGPTPEER: " + slave);
        }
        return slave;
    }
}
