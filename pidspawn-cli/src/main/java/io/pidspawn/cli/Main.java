package io.pidspawn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/pidspawn}: start processes through pidfds from the command line. */
@Command(name = "pidspawn", mixinStandardHelpOptions = true, version = "pidspawn 0.1.0",
        description = "Start and supervise processes through pidfd_spawn builders.")
public final class Main {
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * The subcommands, by name, in the order help lists them. Each is built only when it is
     * registered: picocli builds a command's option model by reflection, and {@code run} alone
     * need not pay for the others' (start-up time).
     */
    private static final String[] NAMES = {"run", "batch", "probe", "bench", "help", "generate-completion"};

    private static Object subcommand(String name) {
        return switch (name) {
            case "run" -> new RunCommand();
            case "batch" -> new BatchCommand();
            case "probe" -> new ProbeCommand();
            case "bench" -> new BenchCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> new picocli.AutoComplete.GenerateCompletion();
        };
    }

    /** Runs the command line and returns the exit status, without exiting. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // A command line naming one of run, batch, probe or bench gets that subcommand alone: it
        // parses and runs the same; help, completion and top-level options get them all.
        String first = args.length > 0 ? args[0] : "";
        boolean one = switch (first) {
            case "run", "batch", "probe", "bench" -> true;
            default -> false;
        };
        for (String name : NAMES) {
            if (!one || name.equals(first)) {
                cli.addSubcommand(name, subcommand(name));
            }
        }
        cli.setStopAtPositional(true);
        if (cli.getSubcommands().containsKey("bench")) {
            cli.getSubcommands().get("bench").setStopAtPositional(false); // options may follow its workload names
        }
        // Usage errors are pidspawn's own failure: 125, as env(1) and timeout(1) use it.
        cli.setExitCodeExceptionMapper(t -> 125);
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("pidspawn: " + ex.getMessage());
            // The one thing that is wrong and where to read more, as coreutils does; not the whole usage.
            CommandLine c = ex.getCommandLine();
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return 125;
        });
        return cli.execute(args);
    }
}
