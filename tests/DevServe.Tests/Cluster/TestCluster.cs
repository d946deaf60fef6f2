using System.Diagnostics;
using System.Net.Http;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary>
/// A cluster started by <c>scripts/cluster up</c> (real Redis, HAProxy and devserve processes on 127.0.0.1) in its
/// own state directory; disposing runs <c>scripts/cluster down</c>.
/// </summary>
public sealed partial class TestCluster : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly Dictionary<string, string> _environment;

    private TestCluster(TempDirectory dir, Dictionary<string, string> environment, Uri url)
    {
        _dir = dir;
        _environment = environment;
        Url = url;
        Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The balancer.</summary>
    public Uri Url { get; }

    /// <summary>A client of the balancer (no cookies, no redirects followed).</summary>
    public HttpClient Client { get; }

    /// <summary>The Redis the nodes share.</summary>
    public string RedisUrl => $"redis://127.0.0.1:{File.ReadAllText(Path.Combine(_dir.Path, "redis.port")).Trim()}";

    /// <summary>Runs <c>scripts/cluster up</c> with <paramref name="arguments"/> and waits for its <c>cluster:</c> line.</summary>
    public static async Task<TestCluster> UpAsync(string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dir = new TempDirectory();
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["DEVSERVE_CLUSTER_DIR"] = dir.Path,
            ["DEVSERVE_CACHE"] = DevServeProcess.TestCache,
            ["DEVSERVE_COMPILE_SERVER"] = "0",   // no compile server outliving the suite (CompileServerRunTests has its own)
        };
        var (code, output) = await RunAsync(env, Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "cluster"), ["up", .. arguments], TimeSpan.FromMinutes(4));
        if (code != 0 || ClusterLine().Match(output) is not { Success: true } line)
        {
            dir.Dispose();
            throw new InvalidOperationException($"scripts/cluster up failed ({code}):\n{output}");
        }
        return new TestCluster(dir, env, new Uri(line.Groups[1].Value));
    }

    /// <summary>Runs <c>scripts/cluster ARGS</c> on this cluster (kill-node, redis-stop...); its output, after checking it succeeded.</summary>
    public async Task<string> ScriptAsync(params string[] arguments)
    {
        var (code, output) = await RunAsync(_environment, Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "cluster"), arguments, TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"scripts/cluster {string.Join(' ', arguments)}: {code}\n{output}");
        return output;
    }

    /// <summary>Runs <c>devserve keys ARGS --key-ring</c> this cluster's ring.</summary>
    public async Task<string> KeysAsync(params string[] arguments)
    {
        var (code, output) = await RunAsync(_environment, Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "devserve"),
            ["keys", .. arguments, "--key-ring", RedisUrl], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"devserve keys {string.Join(' ', arguments)}: {code}\n{output}");
        return output;
    }

    /// <summary>A node's log so far, for messages.</summary>
    public string Log(int node) => File.ReadAllText(Path.Combine(_dir.Path, $"node{node}.log"));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await RunAsync(_environment, Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "cluster"), ["down"], TimeSpan.FromMinutes(1));
        }
        finally
        {
            _dir.Dispose();
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(IReadOnlyDictionary<string, string> environment, string program, string[] arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^cluster: (http://127\.0\.0\.1:\d+/)$", RegexOptions.Multiline)]
    private static partial Regex ClusterLine();
}
