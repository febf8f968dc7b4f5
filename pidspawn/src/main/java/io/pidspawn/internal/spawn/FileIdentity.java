package io.pidspawn.internal.spawn;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What pins an executable: device, inode, size, mode, owner and the two change times. A run whose
 * executable no longer matches the identity taken at config time fails with ESTALE.
 */
record FileIdentity(long dev, long ino, long size, int mode, int uid, int gid,
                    long ctimeSec, int ctimeNsec, long mtimeSec, int mtimeNsec) {

    static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFDIR = 0040000;

    // linux/stat.h: struct statx (256 bytes, the same on every architecture)
    static final long STATX_SIZE = 256;
    private static final int STATX_BASIC_STATS = 0x7ff;

    boolean isRegular() {
        return (mode & S_IFMT) == S_IFREG;
    }

    boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    /** Whether the inode is the same (the "is this still that fd?" test, cheaper than full equality). */
    boolean sameInode(FileIdentity other) {
        return other != null && dev == other.dev && ino == other.ino;
    }

    /** statx(dirfd, path, flags); {@code result[0]} gets -errno on failure and null is returned. */
    static FileIdentity stat(int dirfd, MemorySegment path, int flags, MemorySegment scratch, int[] result) {
        int r = Libc.statx(dirfd, path, flags, STATX_BASIC_STATS, scratch);
        if (r < 0) {
            result[0] = r;
            return null;
        }
        return decode(scratch);
    }

    /** The identity of an open fd, or null with -errno in {@code result[0]}. */
    static FileIdentity ofFd(int fd, int[] result) {
        try (Arena a = Arena.ofConfined()) {
            return stat(fd, Native.EMPTY_STRING, Libc.AT_EMPTY_PATH, a.allocate(STATX_SIZE, 8), result);
        }
    }

    /** The identity of a path relative to dirfd (symlinks followed), or null with -errno in {@code result[0]}. */
    static FileIdentity ofPath(int dirfd, String path, int[] result) {
        try (Arena a = Arena.ofConfined()) {
            return stat(dirfd, a.allocateFrom(path), 0, a.allocate(STATX_SIZE, 8), result);
        }
    }

    private static FileIdentity decode(MemorySegment s) {
        long devMajor = Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT, 136));
        long devMinor = Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT, 140));
        return new FileIdentity(
                (devMajor << 32) | devMinor,
                s.get(ValueLayout.JAVA_LONG, 32),                      // stx_ino
                s.get(ValueLayout.JAVA_LONG, 40),                      // stx_size
                Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT, 28)), // stx_mode
                s.get(ValueLayout.JAVA_INT, 20),                       // stx_uid
                s.get(ValueLayout.JAVA_INT, 24),                       // stx_gid
                s.get(ValueLayout.JAVA_LONG, 96), s.get(ValueLayout.JAVA_INT, 104),   // stx_ctime
                s.get(ValueLayout.JAVA_LONG, 112), s.get(ValueLayout.JAVA_INT, 120)); // stx_mtime
    }
}
