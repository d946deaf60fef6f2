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
        // The first request waits for the first build; past the server's response timeout it gets a 503 (the build goes
        // on), so ask again until the plugin answers.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
        HttpResponseMessage first;
        while ((first = await s_client.GetAsync(url + "/")).StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
        {
            first.Dispose();
        }
        var page = await first.EnsureSuccessStatusCode().Content.ReadAsStringAsync();
        first.Dispose();
        Assert.Contains("Hello from a plugin", page);
        var action = System.Text.RegularExpressions.Regex.Match(page, "action=\"([^\"]+)\"").Groups[1].Value;
        var answer = await s_client.PostAsync(url + action, new FormUrlEncodedContent([new("name", "Ada")]));
        Assert.Contains("Hello, Ada!", await answer.Content.ReadAsStringAsync());
    }
}
