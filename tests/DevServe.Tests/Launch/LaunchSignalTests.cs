using System.Diagnostics;
using System.Text;

namespace DevServe.Tests;

/// <summary>A program built on the library alone stops cleanly on SIGINT and SIGTERM, as Racket's serve/launch/wait does.</summary>
public sealed class LaunchSignalTests
{
    private static string ProbePath()
    {
        // The tests run from tests/DevServe.Tests/bin/CONFIGURATION/net10.0; the probe builds beside them.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent!.Name;
        return Path.Combine(DevServeProcess.RepositoryRoot, "tests", "ServeLaunchWaitProbe", "bin", configuration, output.Name,
            "ServeLaunchWaitProbe.dll");
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_signal_stops_the_server_with_Racket_words_and_exit_code_0(string signal)
    {
        var info = new ProcessStartInfo("dotnet", ["exec", ProbePath()])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["BROWSER"] = "";
        using var probe = Process.Start(info)!;
        var output = new StringBuilder();
        var banner = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        probe.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
            if (e.Data?.StartsWith("Your Web application is running at ", StringComparison.Ordinal) == true)
            {
                banner.TrySetResult(e.Data["Your Web application is running at ".Length..].TrimEnd('.'));
            }
        };
        probe.BeginOutputReadLine();
        probe.BeginErrorReadLine();
        try
        {
            var url = await banner.Task.WaitAsync(TimeSpan.FromSeconds(30));
            using var client = new HttpClient();
            Assert.Equal("probe", await client.GetStringAsync(url + "/"));
            using (var kill = Process.Start("kill", [$"-{signal}", probe.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            await probe.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, probe.ExitCode);
            lock (output)
            {
                Assert.Contains("\nWeb Server stopped.\n", output.ToString().ReplaceLineEndings("\n"));
            }
        }
        finally
        {
            if (!probe.HasExited)
            {
                probe.Kill();
            }
        }
    }
}
