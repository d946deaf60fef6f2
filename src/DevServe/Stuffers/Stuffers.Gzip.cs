using System.IO.Compression;

namespace DevServe;

public static partial class Stuffers
{
    /// <summary>Compresses with gzip (Racket: <c>gzip-stuffer</c>); decompression stops at <paramref name="maxLength"/> bytes, so a small URL cannot expand into a huge value.</summary>
    public static IStuffer<byte[]> Gzip(int maxLength = 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        return new Of<byte[]>(value =>
        {
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(value);
            }
            return output.ToArray();
        }, (byte[] data, out byte[] value) =>
        {
            value = [];
            try
            {
                using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
                using var output = new MemoryStream();
                var buffer = new byte[8192];
                int n;
                while ((n = gzip.Read(buffer)) > 0)
                {
                    if (output.Length + n > maxLength)
                    {
                        return false;
                    }
                    output.Write(buffer, 0, n);
                }
                value = output.ToArray();
                return true;
            }
            catch (InvalidDataException)
            {
                return false;
            }
        }, "gzip");
    }
}
