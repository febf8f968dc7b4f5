package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import io.pidspawn.internal.spawn.Cgroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each {@code pidspawn run} option reaches the child: the helper reports what it got. */
class RunOptionsTest {
    @TempDir
    Path tmp;

    /** pidspawn run OPTIONS -- pshelper HELPER-ARGS; asserts exit 0 and returns stdout. */
    private static String run(List<String> options, String... helperArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("run"));
        args.addAll(options);
        args.add("--");
        args.addAll(Helper.argv(helperArgs));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertThat(r.exit()).as("stderr: %s", r.err()).isZero();
        return r.out();
    }

    @Test
    void fdOptionsOpenFilesAndCopyFds() throws Exception {
        Path log = tmp.resolve("log");
        Path input = Files.writeString(tmp.resolve("in"), "input-text\n");
        String out = run(List.of("--fd", "3=" + log + ":w", "--fd", "4=&1", "--fd", "5=" + input),
                "write", "3", "to-log", ";", "write", "4", "to-stdout", ";", "read-fd", "5", ";", "fds");
        assertThat(out).isEqualTo("to-stdout\ninput-text\n0 1 2 3 4 5\n");
        assertThat(Files.readString(log)).isEqualTo("to-log\n");
        run(List.of("--fd", "3=" + log + ":a"), "write", "3", "appended");
        assertThat(Files.readString(log)).isEqualTo("to-log\nappended\n");
        assertThat(run(List.of(), "fds")).isEqualTo("0 1 2\n");
        Cli.Result bad = Cli.run("run", "--fd", "3=" + log + ":x", "--", Helper.path(), "exit", "0");
        assertThat(bad.exit()).isEqualTo(125);
        assertThat(bad.err()).contains("mode \"x\"");
    }

    @Test
    void environmentOptions() throws Exception {
        assertThat(run(List.of("--env", "A=1", "--env", "B=2", "--unset", "A"), "getenv", "A", ";", "getenv", "B"))
                .isEqualTo("<unset>\n2\n");
    }

    @Test
    void cwdSetsPwdUnlessTheEnvironmentOptionsDecideIt() throws Exception {
        String dir = tmp.toString();
        assertThat(run(List.of("--cwd", dir), "getenv", "PWD")).isEqualTo(dir + "\n");
        assertThat(run(List.of("--cwd", dir, "--env", "PWD=/mine"), "getenv", "PWD")).isEqualTo("/mine\n");
        assertThat(run(List.of("--cwd", dir, "--unset", "PWD"), "getenv", "PWD")).isEqualTo("<unset>\n");
        assertThat(run(List.of("--cwd", dir, "--clear-env"), "getenv", "PWD")).isEqualTo("<unset>\n");
    }

    @Test
    void searchUsesTheChildsPath() throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Path tool = Files.writeString(bin.resolve("only-here"), "#!/bin/sh\necho found-by-search\n");
        tool.toFile().setExecutable(true);
        Cli.Result r = Cli.run("run", "--env", "PATH=" + bin + ":/usr/bin:/bin", "--search", "--", "only-here");
        assertThat(r.out()).isEqualTo("found-by-search\n");
        assertThat(Cli.run("run", "--", "only-here").exit()).as("not in pidspawn's own PATH").isEqualTo(127);
    }

    @Test
    void sessionGroupSignalsLimitsUmaskAndPrivs() throws Exception {
        String[] ids = run(List.of("--setsid"), "ids").trim().split(" ");
        assertThat(ids[0]).isEqualTo(ids[2]);
        ids = run(List.of("--pgid", "0"), "ids").trim().split(" ");
        assertThat(ids[1]).isEqualTo(ids[2]).isNotEqualTo(ids[0]);
        assertThat(run(List.of("--sigmask", "USR1,TERM"), "status", "SigBlk")).isEqualTo(String.format("%016x%n", (1L << 9) | (1L << 14)));
        assertThat(run(List.of("--rlimit", "NOFILE=64:128", "--rlimit", "CORE=0"), "rlimit", "7", ";", "rlimit", "4"))
                .startsWith("64:128\n0:");
        assertThat(run(List.of("--umask", "077"), "umask")).isEqualTo("077\n");
        assertThat(run(List.of("--no-new-privs", "--pdeathsig", "TERM"), "status", "NoNewPrivs", ";", "pdeathsig"))
                .isEqualTo("1\n15\n");
        assertThat(run(List.of("--sigdefault", "HUP"), "disposition", "1")).isEqualTo("default\n");
    }

    @Test
    void unshareGivesNewNamespaces() throws Exception {
        String outside = run(List.of(), "ns", "uts", ";", "ns", "user");
        String inside = run(List.of("--unshare", "user,uts"), "ns", "uts", ";", "ns", "user");
        assertThat(inside.split("\n")[0]).isNotEqualTo(outside.split("\n")[0]);
        assertThat(inside.split("\n")[1]).isNotEqualTo(outside.split("\n")[1]);
        Cli.Result bad = Cli.run("run", "--unshare", "bogus", "--", Helper.path(), "exit", "0");
        assertThat(bad.exit()).isEqualTo(125);
        assertThat(bad.err()).contains("--unshare bogus: unknown namespace").contains("EINVAL");
    }

    @Test
    void credentialsAndCgroupAsRoot() throws Exception {
        Assumptions.assumeTrue(Helper.ROOT, "needs root: other uid, cgroup creation");
        assertThat(run(List.of("--groups", "7", "--gid", "77", "--uid", "777"), "status", "Uid", ";", "status", "Gid", ";",
                "status", "Groups")).isEqualTo("777\t777\t777\t777\n77\t77\t77\t77\n7 \n");
        assertThat(run(List.of("--gid", "77", "--uid", "777"), "status", "Groups")).isEqualTo("\n");
        assertThat(run(List.of("--gid", "77", "--uid", "777", "--groups-on-id-change", "keep"), "status", "Groups"))
                .isEqualTo(run(List.of(), "status", "Groups"));
        assertThat(run(List.of("--unshare", "mount", "--mount-propagation", "slave"), "exit", "0")).isEmpty();
        Cli.Result bad = Cli.run("run", "--mount-propagation", "slave", "--", Helper.path(), "exit", "0");
        assertThat(bad.exit()).isEqualTo(125);
        assertThat(bad.err()).contains("mount-propagation").contains("EINVAL");
        Path root = Cgroups.mountPoint();
        Assumptions.assumeTrue(root != null, "no cgroup2 mount");
        Path group = Files.createDirectory(root.resolve("pidspawn-cli-" + ProcessHandle.current().pid()));
        try {
            assertThat(run(List.of("--cgroup", "/" + group.getFileName()), "cgroup")).contains("0::/" + group.getFileName());
        } finally {
            Files.delete(group);
        }
    }

    @Test
    void timeoutSignalsThenKills() throws Exception {
        Cli.Result plain = Cli.run("run", "--timeout", "300ms", "--", Helper.path(), "sleep", "10");
        assertThat(plain.exit()).isEqualTo(124);
        Cli.Result killed = Cli.run("run", "--sigmask", "INT", "--timeout", "300ms", "--kill-after", "200ms", "--signal", "INT",
                "--", Helper.path(), "sleep", "10");
        assertThat(killed.exit()).as("the child blocks SIGINT, so SIGKILL follows").isEqualTo(137);
        Cli.Result quick = Cli.run("run", "--timeout", "10s", "--", Helper.path(), "exit", "3");
        assertThat(quick.exit()).isEqualTo(3);
        assertThat(Cli.run("run", "--timeout", "soon", "--", Helper.path(), "exit", "0").exit()).isEqualTo(125);
    }

    @Test
    void jsonResultDescribesTheRun() throws Exception {
        Path file = tmp.resolve("result.json");
        Cli.Result r = Cli.run("run", "--json-file", file.toString(), "--timeout", "200ms", "--", Helper.path(), "sleep", "5");
        assertThat(r.exit()).isEqualTo(124);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(file));
        assertThat(json).containsEntry("timed_out", true).containsEntry("signal", "SIGTERM").containsEntry("exit_code", 124L);
        assertThat((Long) json.get("pid")).isPositive();
        assertThat((Double) json.get("wall_ms")).isGreaterThanOrEqualTo(200.0);
        Cli.Result toStderr = Cli.run("run", "--json", "--", Helper.path(), "exit", "4");
        @SuppressWarnings("unchecked")
        Map<String, Object> j2 = (Map<String, Object>) Json.parse(toStderr.err().trim());
        assertThat(j2).containsEntry("exit", 4L).containsEntry("timed_out", false).containsEntry("signal", null);
        Cli.Result failed = Cli.run("run", "--json", "--", "/no/such/thing");
        @SuppressWarnings("unchecked")
        Map<String, Object> j3 = (Map<String, Object>) Json.parse(failed.err().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(j3).containsEntry("exit_code", 127L);
        assertThat((String) j3.get("error")).contains("ENOENT");
    }

    @Test
    void probeReportsEveryFeatureAsJson() throws Exception {
        Cli.Result r = Cli.run("probe", "--json");
        assertThat(r.exit()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(r.out());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> features = (List<Map<String, Object>>) json.get("features");
        assertThat(features).extracting(f -> f.get("name")).contains("clone3", "CLOSE_RANGE_CLOEXEC", "pidfd_getfd",
                "waitid P_PIDFD", "PIDFD_GET_INFO", "PIDFD_INFO_EXIT", "CLOSE_RANGE_UNSHARE", "execveat AT_EMPTY_PATH",
                "user namespaces", "cgroup2 mount", "CLONE_INTO_CGROUP", "CLONE_CLEAR_SIGHAND");
        for (Map<String, Object> f : features) {
            assertThat(f).containsKeys("available", "errno", "since", "without");
        }
        assertThat(Cli.run("probe").out()).contains("FEATURE").contains("PIDFD_INFO_EXIT");
    }

    @Test
    void helpAndVersionAndCompletion() throws Exception {
        assertThat(Cli.run("run", "--help").out()).contains("--kill-after").contains("Examples:");
        assertThat(Cli.run("--version").out()).startsWith("pidspawn ");
        assertThat(Cli.run("generate-completion").out()).contains("complete");
    }
}
