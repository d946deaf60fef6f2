using System.Diagnostics;

namespace DevServe.Tests;

/// <summary><c>devserve</c> as a .NET tool: packed, installed into a tool path, run, and run by a script's shebang line.</summary>
[Collection(RepositoryBuilds.Name)]
public sealed class ToolPackageTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<string> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await output}\n{await errors}");
        return await output;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]   // a shebang line and the executable bit are Unix things
    public async Task The_packed_tool_installs_runs_and_runs_an_executable_script()
    {
        using var dir = new TempDirectory();
        var packages = Path.Combine(dir.Path, "packages");
        var tools = Path.Combine(dir.Path, "tools");
        await RunAsync("dotnet", ["pack", Path.Combine(DevServeProcess.RepositoryRoot, "src", "DevServe.Cli", "DevServe.Cli.csproj"),
            "-c", "Release", "-o", packages, "-nologo", "-v", "quiet"]);
        var package = Assert.Single(Directory.GetFiles(packages, "DevServe.Cli.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["DevServe.Cli.".Length..];
        // A private package folder: a stale DevServe.Cli of the same version in the user's cache must not be installed instead.
        await RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", packages, "DevServe.Cli", "--version", version],
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(dir.Path, "nuget") });
        var devserve = Path.Combine(tools, "devserve");
        Assert.StartsWith(version, await RunAsync(devserve, ["--version"]));

        var script = dir.Write("hello.csx", "#!/usr/bin/env devserve\nResponse Start(Request request) => Response.Text(\"hello from a shebang\");\n");
        File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute);
        await using var running = DevServeProcess.StartProgram(script, dir.Path,
            new Dictionary<string, string> { ["PATH"] = tools + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH") },
            "--port", "0", "--no-browser");
        var url = await running.UrlAsync();
        Assert.Equal("hello from a shebang", await s_client.GetStringAsync(url + "/"));
    }
}
