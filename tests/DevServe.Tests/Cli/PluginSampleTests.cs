namespace DevServe.Tests;

/// <summary>The plugin example, run the way README says: <c>devserve run servlets/plugin-hello/PluginHello.csproj</c>.</summary>
[Collection(RepositoryBuilds.Name)]
public sealed class PluginSampleTests
{
    // The first request waits for the first build, which compiles DevServe too (with its analyzers) on a machine the
    // other tests keep busy: minutes, not seconds, on a cold CI clone.
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(180) };

    [Fact]
    public async Task The_plugin_example_builds_serves_and_suspends_like_a_script()
    {
        await using var devserve = DevServeProcess.Start("run", Path.Combine(ExampleServlets.Directory, "plugin-hello", "PluginHello.csproj"),
            "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        var page = await s_client.GetStringAsync(url + "/");   // waits for the first build
        Assert.Contains("Hello from a plugin", page);
        var action = System.Text.RegularExpressions.Regex.Match(page, "action=\"([^\"]+)\"").Groups[1].Value;
        var answer = await s_client.PostAsync(url + action, new FormUrlEncodedContent([new("name", "Ada")]));
        Assert.Contains("Hello, Ada!", await answer.Content.ReadAsStringAsync());
    }
}
