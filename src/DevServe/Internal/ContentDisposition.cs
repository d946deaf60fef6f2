namespace DevServe.Internal;

/// <summary>Reads the parameters of a <c>Content-Disposition</c> header.</summary>
/// <remarks>
/// Hand-rolled because clients send disposition types that are not tokens (Racket's upload test sends
/// <c>application/octet-stream; filename="data"; name="file"</c>), which the strict header parser rejects.
/// </remarks>
internal static class ContentDisposition
{
    public static Dictionary<string, string> Parse(string? header)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (header is null)
        {
            return result;
        }
        var i = header.IndexOf(';');
        while (i >= 0 && i < header.Length)
        {
            i++;
            while (i < header.Length && header[i] is ' ' or '\t')
            {
                i++;
            }
            var eq = header.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }
            var key = header[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < header.Length && header[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                for (i++; i < header.Length && header[i] != '"'; i++)
                {
                    if (header[i] == '\\' && i + 1 < header.Length)
                    {
                        i++;
                    }
                    sb.Append(header[i]);
                }
                value = sb.ToString();
                i = header.IndexOf(';', Math.Min(i, header.Length));
            }
            else
            {
                var end = header.IndexOf(';', i);
                value = (end < 0 ? header[i..] : header[i..end]).Trim();
                i = end;
            }
            result.TryAdd(key, value);
        }
        return result;
    }
}
