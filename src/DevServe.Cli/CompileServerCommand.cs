using System.CommandLine;
using System.Diagnostics;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// <c>devserve compile-server --cache DIR</c>: the background process that keeps Roslyn warm for a cache
/// (<see cref="CompileServer"/>). Not typed by users: <c>devserve run</c> starts it the first time it has to compile
/// with Roslyn cold, and it stops by itself. <c>DEVSERVE_COMPILE_SERVER=0</c> turns it off.
/// </summary>
internal static class CompileServerCommand
{
    public static Command Create()
    {
        var cache = new Option<string>("--cache") { Description = "The compiled-script cache it fills.", Required = true };
        var idle = new Option<int>("--idle-seconds") { Description = "Stop after this long without a request.", DefaultValueFactory = _ => 600 };
        var command = new Command("compile-server", "Keep the compiler warm for devserve run (started by devserve itself).")
        {
            cache, idle,
        };
        command.Hidden = true;
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (OperatingSystem.IsWindows())
            {
                return 2;   // the client never starts one there
            }
            await CompileServer.RunAsync(Path.GetFullPath(parse.GetValue(cache)!), TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(idle))),
                cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Starts <c>devserve compile-server</c> for <paramref name="cacheDirectory"/> in its own session, its standard
    /// streams on /dev/null: it outlives this process and holds none of its pipes (a caller reading this process's
    /// output to the end must not wait for it).
    /// </summary>
    public static void StartInBackground(string cacheDirectory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;   // setsid(1) is util-linux's; elsewhere every servlet compiles in-process
        }
        var self = Environment.ProcessPath;
        if (self is null)
        {
            return;
        }
        // Under `dotnet DevServe.Cli.dll` the process is the host: the command is the host and this assembly.
        string[] command = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? [self, typeof(CompileServerCommand).Assembly.Location, "compile-server", "--cache", cacheDirectory]
            : [self, "compile-server", "--cache", cacheDirectory];
        // Started in the cache folder: it pins no folder of the user's for its ten idle minutes.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = cacheDirectory };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("setsid \"$@\" </dev/null >/dev/null 2>&1 &");
        info.ArgumentList.Add("devserve-compile-server");
        foreach (var part in command)
        {
            info.ArgumentList.Add(part);
        }
        try
        {
            Directory.CreateDirectory(cacheDirectory);
            using var shell = Process.Start(info);
            shell?.WaitForExit(TimeSpan.FromSeconds(5));   // the shell only forks it
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // No shell or no setsid: this start compiled in-process, and so will the next.
        }
    }
}
