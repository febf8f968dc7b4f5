package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.internal.linux.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Landlock facts ({@code linux/landlock.h}): the access rights, the ABI that added each, and the
 * running kernel's ABI, probed once by calling {@code landlock_create_ruleset(NULL, 0,
 * LANDLOCK_CREATE_RULESET_VERSION)}.
 *
 * <p>Tests simulate an older kernel with the system property {@code pidspawn.landlock.abi}: the
 * ABI pidspawn uses is the lower of the kernel's and that number, read at each config call.
 */
public final class Landlock {
    private Landlock() {}

    // linux/landlock.h: filesystem rights (ABI 1 unless noted)
    static final long FS_EXECUTE = 1L << 0, FS_WRITE_FILE = 1L << 1, FS_READ_FILE = 1L << 2, FS_READ_DIR = 1L << 3,
            FS_REMOVE_DIR = 1L << 4, FS_REMOVE_FILE = 1L << 5, FS_MAKE_CHAR = 1L << 6, FS_MAKE_DIR = 1L << 7,
            FS_MAKE_REG = 1L << 8, FS_MAKE_SOCK = 1L << 9, FS_MAKE_FIFO = 1L << 10, FS_MAKE_BLOCK = 1L << 11,
            FS_MAKE_SYM = 1L << 12,
            FS_REFER = 1L << 13,     // ABI 2, Linux 5.19
            FS_TRUNCATE = 1L << 14,  // ABI 3, Linux 6.2
            FS_IOCTL_DEV = 1L << 15; // ABI 5, Linux 6.10
    /** The rights that apply to a file that is not a directory. */
    static final long FS_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV;
    /** What a read-only path allows: read files and directories, execute. */
    static final long FS_READ_EXECUTE = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR;
    // network rights, ABI 4 (Linux 6.7): TCP only
    static final long NET_BIND_TCP = 1L << 0, NET_CONNECT_TCP = 1L << 1;
    // scopes, ABI 6 (Linux 6.12)
    static final long SCOPE_ABSTRACT_UNIX_SOCKET = 1L << 0, SCOPE_SIGNAL = 1L << 1;
    static final int RULE_PATH_BENEATH = 1, RULE_NET_PORT = 2;
    private static final int CREATE_RULESET_VERSION = 1;

    /** The ABI each feature needs, and the first kernel with it. */
    static final int ABI_REFER = 2, ABI_TRUNCATE = 3, ABI_NET = 4, ABI_IOCTL_DEV = 5, ABI_SCOPE = 6;

    private static final int KERNEL_ABI = probe();

    private static int probe() {
        return Libc.landlockCreateRuleset(MemorySegment.NULL, 0, CREATE_RULESET_VERSION);
    }

    /**
     * The Landlock ABI the kernel has, or {@code -errno} when it has none: ENOSYS (not built in),
     * EOPNOTSUPP (built in but not enabled at boot).
     */
    public static int kernelAbi() {
        return KERNEL_ABI;
    }

    /** The ABI pidspawn builds rulesets for: the kernel's, lowered by {@code pidspawn.landlock.abi}. */
    public static int abi() {
        String simulated = System.getProperty("pidspawn.landlock.abi");
        if (simulated != null && KERNEL_ABI > 0) {
            try {
                return Math.max(0, Math.min(KERNEL_ABI, Integer.parseInt(simulated.trim())));
            } catch (NumberFormatException e) {
                return KERNEL_ABI;
            }
        }
        return KERNEL_ABI;
    }

    /** Every filesystem right an ABI handles. */
    static long fsRights(int abi) {
        long rights = (1L << 13) - 1;
        if (abi >= ABI_REFER) {
            rights |= FS_REFER;
        }
        if (abi >= ABI_TRUNCATE) {
            rights |= FS_TRUNCATE;
        }
        if (abi >= ABI_IOCTL_DEV) {
            rights |= FS_IOCTL_DEV;
        }
        return rights;
    }

    /** The kernel that brought an ABI, for messages. */
    static String kernelOf(int abi) {
        return switch (abi) {
            case 1 -> "5.13";
            case 2 -> "5.19";
            case 3 -> "6.2";
            case 4 -> "6.7";
            case 5 -> "6.10";
            case 6 -> "6.12";
            case 7 -> "6.15";
            default -> "?";
        };
    }

    /** "ABI 5" or "no Landlock (EOPNOTSUPP)", for messages. */
    static String describe(int abi) {
        return abi > 0 ? "ABI " + abi : "no Landlock (" + Errno.name(-abi) + ")";
    }

    /** struct landlock_ruleset_attr: the smallest size that carries every nonzero field. */
    static int createRuleset(long fs, long net, long scoped) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(24, 8);
            attr.set(ValueLayout.JAVA_LONG, 0, fs);
            attr.set(ValueLayout.JAVA_LONG, 8, net);
            attr.set(ValueLayout.JAVA_LONG, 16, scoped);
            long size = scoped != 0 ? 24 : net != 0 ? 16 : 8;
            return Libc.landlockCreateRuleset(attr, size, 0);
        }
    }

    /** struct landlock_path_beneath_attr (packed: u64 allowed_access, s32 parent_fd). */
    static int addPathRule(int ruleset, int pathFd, long access) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(12, 8);
            attr.set(ValueLayout.JAVA_LONG, 0, access);
            attr.set(ValueLayout.JAVA_INT, 8, pathFd);
            return Libc.landlockAddRule(ruleset, RULE_PATH_BENEATH, attr, 0);
        }
    }

    /** struct landlock_net_port_attr (u64 allowed_access, u64 port). */
    static int addPortRule(int ruleset, int port, long access) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(16, 8);
            attr.set(ValueLayout.JAVA_LONG, 0, access);
            attr.set(ValueLayout.JAVA_LONG, 8, port);
            return Libc.landlockAddRule(ruleset, RULE_NET_PORT, attr, 0);
        }
    }
}
