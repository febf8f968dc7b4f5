package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Classic BPF programs for seccomp, compiled in Java once per configuration: the deny-network
 * profile and a deny-list of syscalls by name, for the architecture this JVM runs on; and the
 * static checks a caller's own program must pass before the child may install it.
 *
 * <p>The compiled program checks {@code seccomp_data.arch} first and kills a process that
 * calls in with another ABI (i386 through {@code int 0x80}, x32 through the syscall numbers with
 * bit 30 set), since the numbers below mean other calls there. Then, for each denied syscall,
 * {@code EPERM}; under deny-network, {@code socket} and {@code socketpair} fail with
 * {@code EACCES} for every family but {@code AF_UNIX}, and the io_uring calls with {@code EPERM}
 * (io_uring can open sockets without calling socket()). Everything else is allowed.
 */
final class SeccompFilter {
    private SeccompFilter() {}

    // linux/filter.h, linux/bpf_common.h
    static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06, MISC = 0x07;
    static final int W = 0x00, ABS = 0x20, IMM = 0x00, MEM = 0x60, LEN = 0x80;
    static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
    static final int K = 0x00, X = 0x08, A = 0x10;
    static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70,
            NEG = 0x80, XOR = 0xa0;
    static final int TAX = 0x00, TXA = 0x80;
    static final int MAX_INSTRUCTIONS = 4096; // BPF_MAXINSNS
    private static final int SCRATCH_WORDS = 16;     // BPF_MEMWORDS

    // linux/seccomp.h
    static final int RET_KILL_PROCESS = 0x80000000, RET_ERRNO = 0x00050000, RET_ALLOW = 0x7fff0000;
    private static final int DATA_NR = 0, DATA_ARCH = 4, DATA_ARG0 = 16, DATA_SIZE = 64; // struct seccomp_data
    // linux/audit.h
    static final int AUDIT_ARCH_X86_64 = 0xC000003E, AUDIT_ARCH_AARCH64 = 0xC00000B7;
    static final int X32_SYSCALL_BIT = 0x40000000; // asm/unistd.h on x86_64
    private static final int AF_UNIX = 1;

    /** The architectures a program can be compiled for, named as the JDK's os.arch names them. */
    enum Arch {
        X86_64(AUDIT_ARCH_X86_64), AARCH64(AUDIT_ARCH_AARCH64);

        final int auditArch;

        Arch(int auditArch) {
            this.auditArch = auditArch;
        }

        static Arch current() {
            return switch (System.getProperty("os.arch")) {
                case "amd64", "x86_64" -> X86_64;
                case "aarch64" -> AARCH64;
                default -> throw new UnsupportedOperationException("seccomp filters: unsupported architecture "
                        + System.getProperty("os.arch"));
            };
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The syscalls a deny-list can name, with their numbers on x86_64 and aarch64 (-1: the
     * architecture has no such call), from asm/unistd_64.h and asm-generic/unistd.h.
     */
    static final Map<String, int[]> SYSCALLS = table(
            entry("socket", 41, 198), entry("socketpair", 53, 199), entry("connect", 42, 203),
            entry("bind", 49, 200), entry("listen", 50, 201), entry("accept", 43, 202),
            entry("accept4", 288, 242), entry("sendto", 44, 206), entry("sendmsg", 46, 211),
            entry("sendmmsg", 307, 269), entry("recvfrom", 45, 207), entry("recvmsg", 47, 212),
            entry("recvmmsg", 299, 243), entry("setsockopt", 54, 208), entry("getsockopt", 55, 209),
            entry("shutdown", 48, 210), entry("io_uring_setup", 425, 425), entry("io_uring_enter", 426, 426),
            entry("io_uring_register", 427, 427), entry("ptrace", 101, 117), entry("process_vm_readv", 310, 270),
            entry("process_vm_writev", 311, 271), entry("kill", 62, 129), entry("tkill", 200, 130),
            entry("tgkill", 234, 131), entry("pidfd_open", 434, 434), entry("pidfd_send_signal", 424, 424),
            entry("pidfd_getfd", 438, 438), entry("clone", 56, 220), entry("clone3", 435, 435),
            entry("fork", 57, -1), entry("vfork", 58, -1), entry("execve", 59, 221),
            entry("execveat", 322, 281), entry("unshare", 272, 97), entry("setns", 308, 268),
            entry("personality", 135, 92), entry("prctl", 157, 167), entry("seccomp", 317, 277),
            entry("mount", 165, 40), entry("umount2", 166, 39), entry("pivot_root", 155, 41),
            entry("chroot", 161, 51), entry("mount_setattr", 442, 442), entry("open_tree", 428, 428),
            entry("move_mount", 429, 429), entry("fsopen", 430, 430), entry("fsconfig", 431, 431),
            entry("fsmount", 432, 432), entry("fspick", 433, 433), entry("open_by_handle_at", 304, 265),
            entry("name_to_handle_at", 303, 264), entry("mknod", 133, -1), entry("mknodat", 259, 33),
            entry("chmod", 90, -1), entry("fchmod", 91, 52), entry("fchmodat", 268, 53),
            entry("fchmodat2", 452, 452), entry("chown", 92, -1), entry("fchown", 93, 55),
            entry("fchownat", 260, 54), entry("lchown", 94, -1), entry("link", 86, -1),
            entry("linkat", 265, 37), entry("symlink", 88, -1), entry("symlinkat", 266, 36),
            entry("unlink", 87, -1), entry("unlinkat", 263, 35), entry("rename", 82, -1),
            entry("renameat", 264, 38), entry("renameat2", 316, 276), entry("mkdir", 83, -1),
            entry("mkdirat", 258, 34), entry("rmdir", 84, -1), entry("truncate", 76, 45),
            entry("ftruncate", 77, 46), entry("memfd_create", 319, 279), entry("reboot", 169, 142),
            entry("kexec_load", 246, 104), entry("kexec_file_load", 320, 294), entry("init_module", 175, 105),
            entry("finit_module", 313, 273), entry("delete_module", 176, 106), entry("bpf", 321, 280),
            entry("perf_event_open", 298, 241), entry("userfaultfd", 323, 282), entry("keyctl", 250, 219),
            entry("add_key", 248, 217), entry("request_key", 249, 218), entry("swapon", 167, 224),
            entry("swapoff", 168, 225), entry("acct", 163, 89), entry("settimeofday", 164, 170),
            entry("clock_settime", 227, 112), entry("clock_adjtime", 305, 266), entry("adjtimex", 159, 171),
            entry("sethostname", 170, 161), entry("setdomainname", 171, 162), entry("syslog", 103, 116),
            entry("quotactl", 179, 60), entry("iopl", 172, -1), entry("ioperm", 173, -1),
            entry("fanotify_init", 300, 262), entry("inotify_init1", 294, 26), entry("landlock_create_ruleset", 444, 444),
            entry("landlock_add_rule", 445, 445), entry("landlock_restrict_self", 446, 446), entry("setuid", 105, 146),
            entry("setgid", 106, 144), entry("setreuid", 113, 145), entry("setregid", 114, 143),
            entry("setresuid", 117, 147), entry("setresgid", 119, 149), entry("setgroups", 116, 159),
            entry("capset", 126, 91), entry("mbind", 237, 235), entry("migrate_pages", 256, 238),
            entry("move_pages", 279, 239), entry("set_mempolicy", 238, 237), entry("ioctl", 16, 29),
            entry("vmsplice", 278, 75), entry("splice", 275, 76), entry("tee", 276, 77),
            entry("fchmodat2", 452, 452)
    );

    /** Syscalls a deny-list may not name: without them the program could not start, or not end. */
    static final Set<String> REQUIRED = Set.of("execveat", "exit", "exit_group");

    private static Map<String, int[]> table(Object[]... entries) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (Object[] e : entries) {
            m.put((String) e[0], new int[] {(int) e[1], (int) e[2]});
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    private static Object[] entry(String name, int x86_64, int aarch64) {
        return new Object[] {name, x86_64, aarch64};
    }

    /** The number of a syscall on an architecture, or -1 where it has none; null for a name not in the table. */
    static Integer number(String name, Arch arch) {
        int[] n = SYSCALLS.get(name);
        return n == null ? null : n[arch.ordinal()];
    }

    /** Checks a deny-list name, as {@code key} refuses it; returns the syscall number. */
    static int checkName(String key, String name, Arch arch) throws ConfigError {
        if (REQUIRED.contains(name)) {
            throw ConfigError.of(key, Errno.EINVAL, "\"" + name + "\" cannot be denied: the child needs it to exec or exit");
        }
        Integer nr = number(name, arch);
        if (nr == null) {
            throw ConfigError.of(key, Errno.EINVAL, "unknown syscall \"" + name + "\" (pidspawn knows " + SYSCALLS.size()
                    + " names, such as ptrace, mount, bpf, socket, io_uring_setup)");
        }
        if (nr < 0) {
            throw ConfigError.of(key, Errno.EINVAL, "syscall \"" + name + "\" does not exist on " + arch.label());
        }
        return nr;
    }

    /** The program for a deny-list (numbers) and the deny-network profile, for {@code arch}. */
    static byte[] compile(Arch arch, Collection<Integer> denied, boolean denyNetwork) {
        List<int[]> p = new ArrayList<>();
        p.add(stmt(LD | W | ABS, DATA_ARCH));
        p.add(jump(JMP | JEQ | K, arch.auditArch, 1, 0));
        p.add(stmt(RET | K, RET_KILL_PROCESS));
        p.add(stmt(LD | W | ABS, DATA_NR));
        if (arch == Arch.X86_64) {
            p.add(jump(JMP | JGE | K, X32_SYSCALL_BIT, 0, 1));
            p.add(stmt(RET | K, RET_KILL_PROCESS));
        }
        for (int nr : denied) {
            p.add(jump(JMP | JEQ | K, nr, 0, 1));
            p.add(stmt(RET | K, RET_ERRNO | Errno.EPERM));
        }
        if (denyNetwork) {
            for (String call : List.of("socket", "socketpair")) {
                // A loads the family; the other branch keeps the syscall number in A.
                p.add(jump(JMP | JEQ | K, number(call, arch), 0, 4));
                p.add(stmt(LD | W | ABS, DATA_ARG0)); // the low half of args[0] (little-endian)
                p.add(jump(JMP | JEQ | K, AF_UNIX, 1, 0));
                p.add(stmt(RET | K, RET_ERRNO | Errno.EACCES));
                p.add(stmt(RET | K, RET_ALLOW));
            }
            for (String call : List.of("io_uring_setup", "io_uring_enter", "io_uring_register")) {
                p.add(jump(JMP | JEQ | K, number(call, arch), 0, 1));
                p.add(stmt(RET | K, RET_ERRNO | Errno.EPERM));
            }
        }
        p.add(stmt(RET | K, RET_ALLOW));
        ByteBuffer out = ByteBuffer.allocate(p.size() * 8).order(ByteOrder.nativeOrder());
        for (int[] insn : p) {
            out.putShort((short) insn[0]).put((byte) insn[1]).put((byte) insn[2]).putInt(insn[3]);
        }
        return out.array();
    }

    private static int[] stmt(int code, int k) {
        return new int[] {code, 0, 0, k};
    }

    private static int[] jump(int code, int k, int jt, int jf) {
        return new int[] {code, jt, jf, k};
    }

    /**
     * Checks a caller's program (struct sock_filter[], native byte order) as the kernel will
     * when the child installs it, so that a malformed one is refused at config time: 1 to 4096
     * instructions; only the opcodes seccomp accepts; loads from seccomp_data within its 64
     * bytes, 4-byte aligned; scratch memory within its 16 words; no constant division by zero or
     * shift of 32 or more; every jump inside the program; the last instruction a return.
     */
    static void validate(String key, byte[] program) throws ConfigError {
        if (program.length == 0 || program.length % 8 != 0) {
            throw ConfigError.of(key, Errno.EINVAL, "a BPF program is whole 8-byte instructions (struct sock_filter); got "
                    + program.length + " bytes");
        }
        int n = program.length / 8;
        if (n > MAX_INSTRUCTIONS) {
            throw ConfigError.of(key, Errno.EINVAL, n + " instructions; seccomp takes at most " + MAX_INSTRUCTIONS);
        }
        ByteBuffer in = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
        for (int pc = 0; pc < n; pc++) {
            int code = in.getShort(pc * 8) & 0xffff;
            int jt = in.get(pc * 8 + 2) & 0xff;
            int jf = in.get(pc * 8 + 3) & 0xff;
            int k = in.getInt(pc * 8 + 4);
            String problem = problem(code, jt, jf, k, pc, n);
            if (problem != null) {
                throw ConfigError.of(key, Errno.EINVAL, String.format("instruction %d (code 0x%04x, jt %d, jf %d, k 0x%x): %s",
                        pc, code, jt, jf, k, problem));
            }
        }
        int last = in.getShort((n - 1) * 8) & 0x07;
        if (last != RET) {
            throw ConfigError.of(key, Errno.EINVAL, "the last instruction (" + (n - 1) + ") is not a return (BPF_RET)");
        }
    }

    private static String problem(int code, int jt, int jf, int k, int pc, int n) {
        switch (code) {
            case LD | W | ABS -> {
                return k < 0 || k >= DATA_SIZE || (k & 3) != 0
                        ? "loads offset " + k + "; seccomp_data has aligned words at 0..60" : null;
            }
            case LD | W | LEN, LDX | W | LEN, LD | IMM, LDX | IMM, MISC | TAX, MISC | TXA, RET | K, RET | A,
                 ALU | NEG, ALU | ADD | X, ALU | SUB | X, ALU | MUL | X, ALU | DIV | X, ALU | AND | X,
                 ALU | OR | X, ALU | XOR | X, ALU | LSH | X, ALU | RSH | X,
                 ALU | ADD | K, ALU | SUB | K, ALU | MUL | K, ALU | AND | K, ALU | OR | K, ALU | XOR | K -> {
                return null;
            }
            case ALU | DIV | K -> {
                return k == 0 ? "divides by the constant 0" : null;
            }
            case ALU | LSH | K, ALU | RSH | K -> {
                return Integer.compareUnsigned(k, 32) >= 0 ? "shifts by " + Integer.toUnsignedString(k) : null;
            }
            case LD | MEM, LDX | MEM, ST, STX -> {
                return Integer.compareUnsigned(k, SCRATCH_WORDS) >= 0
                        ? "scratch word " + Integer.toUnsignedString(k) + "; there are " + SCRATCH_WORDS : null;
            }
            case JMP | JA -> {
                return Integer.compareUnsigned(k, n - pc - 1) >= 0 ? "jumps past the end" : null;
            }
            case JMP | JEQ | K, JMP | JEQ | X, JMP | JGT | K, JMP | JGT | X, JMP | JGE | K, JMP | JGE | X,
                 JMP | JSET | K, JMP | JSET | X -> {
                return pc + 1 + Math.max(jt, jf) >= n ? "jumps past the end" : null;
            }
            default -> {
                return "not an instruction seccomp accepts";
            }
        }
    }

    /**
     * A program in native memory for a SECCOMP op: the op's arg is the address of a struct
     * sock_fprog {u16 len; struct sock_filter *filter}.
     */
    record Program(byte[] code, String what) {
        long write(Arena arena) {
            MemorySegment filter = arena.allocate(code.length, 8);
            MemorySegment.copy(code, 0, filter, ValueLayout.JAVA_BYTE, 0, code.length);
            MemorySegment fprog = arena.allocate(16, 8);
            fprog.set(ValueLayout.JAVA_SHORT, 0, (short) (code.length / 8));
            fprog.set(ValueLayout.ADDRESS, 8, filter);
            return fprog.address();
        }

        int instructions() {
            return code.length / 8;
        }
    }
}
