using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace DevServe;

public static partial class Stuffers
{
    /// <summary>
    /// Serializes values of the closed type <typeparamref name="T"/> with System.Text.Json (Racket: <c>serialize-stuffer</c>).
    /// No type names are written or read, so the input can never choose what gets created.
    /// </summary>
    /// <param name="typeInfo">Source-generated metadata for <typeparamref name="T"/>; <c>null</c> = reflection with options
    /// private to this stuffer, whose caches go with it (a shared cache would pin a reloaded script's types).</param>
    public static IStuffer<T> Serialize<T>(JsonTypeInfo<T>? typeInfo = null)
    {
        var info = typeInfo ?? (JsonTypeInfo<T>)new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() }
            .GetTypeInfo(typeof(T));
        return new Of<T>(value => JsonSerializer.SerializeToUtf8Bytes(value, info), (byte[] data, out T value) =>
        {
            value = default!;   // only read when true is returned
            try
            {
                if (JsonSerializer.Deserialize(data, info) is { } read)
                {
                    value = read;
                    return true;
                }
                return false;
            }
            catch (JsonException)
            {
                return false;
            }
        }, "serialize");
    }
}
