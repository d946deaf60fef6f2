using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary>A real <c>scripts/devserve</c> process: its output as it comes, its banner's URL, its exit.</summary>
public sealed partial class DevServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _bannerUrl;

    private DevServeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _url.TrySetException(new InvalidOperationException("devserve ended before its banner:\n" + Output + "\n" + Errors));
                return;
            }
            lock (_stdout)
            {
                _stdout.AppendLine(e.Data);
            }
            if (BannerUrl().Match(e.Data) is { Success: true } m)
            {
                _bannerUrl = m.Groups[1].Value;
            }
            else if (e.Data == "Stop this program at any time to terminate the Web Server." && _bannerUrl is not null)
            {
                _url.TrySetResult(_bannerUrl);   // the whole banner is out
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    [GeneratedRegex(@"^Your Web application is running at (\S+)\.$")]
    private static partial Regex BannerUrl();

    // One compiled-script cache per test run: tests neither read nor leave entries in the user's cache.
    private static readonly string s_cache = Path.Combine(Path.GetTempPath(), "devserve-test-cache-" + Environment.ProcessId);

    public static string RepositoryRoot { get; } = Path.GetDirectoryName(ExampleServlets.Directory)!;

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public static DevServeProcess Start(params string[] args) => StartProgram(Path.Combine(RepositoryRoot, "scripts", "devserve"), null, null, args);

    /// <summary>Runs scripts/devserve in <paramref name="workingDirectory"/>.</summary>
    public static DevServeProcess StartIn(string workingDirectory, params string[] args)
        => StartProgram(Path.Combine(RepositoryRoot, "scripts", "devserve"), workingDirectory, null, args);

    /// <summary>Runs <paramref name="program"/> (an installed devserve, an executable script) with the test environment.</summary>
    public static DevServeProcess StartProgram(string program, string? workingDirectory, IReadOnlyDictionary<string, string>? environment,
        params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["BROWSER"] = "";
        info.Environment["DEVSERVE_CACHE"] = s_cache;
        info.Environment["DEVSERVE_STUFFER_KEY"] = Path.Combine(s_cache, "stuffer.key");
        info.Environment["DEVSERVE_URL_STORE"] = Path.Combine(s_cache, "urls");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        return new DevServeProcess(Process.Start(info)!);
    }

    /// <summary>The URL the banner announced (waits for it; the first run may build the CLI).</summary>
    public Task<string> UrlAsync() => _url.Task.WaitAsync(TimeSpan.FromSeconds(120));

    public async Task<int> ExitCodeAsync(TimeSpan? timeout = null)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }
}
