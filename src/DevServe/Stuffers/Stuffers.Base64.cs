namespace DevServe;

public static partial class Stuffers
{
    /// <summary>URL-safe base64 without padding, as ASCII bytes (Racket: <c>base64-stuffer</c>, which uses the standard alphabet).</summary>
    public static IStuffer<byte[]> Base64 { get; } = new Of<byte[]>(
        value => System.Text.Encoding.ASCII.GetBytes(System.Buffers.Text.Base64Url.EncodeToString(value)),
        (byte[] data, out byte[] value) =>
        {
            value = [];
            if (!System.Buffers.Text.Base64Url.IsValid(data.AsSpan()))
            {
                return false;
            }
            value = System.Buffers.Text.Base64Url.DecodeFromUtf8(data);
            return true;
        }, "base64");
}
