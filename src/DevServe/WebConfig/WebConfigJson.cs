using System.Text.Json;
using System.Text.Json.Serialization;

namespace DevServe;

/// <summary>The JSON form of <see cref="WebConfig"/> (<c>site.json</c>): the model's properties in camelCase; what is left out keeps its default.</summary>
internal static class WebConfigJson
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,   // a misspelt key is an error, not a silent default
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    public static WebConfig Read(string text, string source)
    {
        WebConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<WebConfig>(text, s_options);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"{line + 1}:{(e.BytePositionInLine ?? 0) + 1}" : "1:1";
            var key = e.Path is { Length: > 1 } path ? path[2..] : "(top)";
            throw new WebConfigException($"{source}:{where}: {key}: {Simplify(e.Message)}", e);
        }
        return WebConfigValidation.Check(config ?? throw new WebConfigException($"{source}:1:1: the file is null, not a configuration"), source);
    }

    public static string Write(WebConfig config) => JsonSerializer.Serialize(config, s_options);

    // System.Text.Json's messages end with its own path and position, which the prefix already gives.
    private static string Simplify(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
