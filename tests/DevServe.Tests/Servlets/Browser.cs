using System.Net;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary>What a user does with servlet pages, over real HTTP: follow links, submit forms, go back.</summary>
public static partial class Browser
{
    [GeneratedRegex("(?:action|href)=\"([^\"]+)\"")]
    private static partial Regex Link();

    /// <summary>Every link and form action on the page, in order.</summary>
    public static IReadOnlyList<string> Links(string page) => [.. Link().Matches(page).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))];

    public static string FirstLink(string page) => Links(page) is [var first, ..] ? first : throw new InvalidOperationException("No link in: " + page);

    public static async Task<string> PostAsync(this HttpClient client, string url, params (string Name, string Value)[] fields)
    {
        using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        var response = await client.PostAsync(url, content);
        return await response.Content.ReadAsStringAsync();
    }

    public static async Task<(HttpStatusCode Status, string Body)> FetchAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
