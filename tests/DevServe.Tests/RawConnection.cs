using System.Net.Sockets;
using System.Text;

namespace DevServe.Tests;

/// <summary>A plain TCP connection for what HttpClient would hide: framing, HEAD, malformed input, slow senders.</summary>
public sealed class RawConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static RawConnection Open(int port)
    {
        var client = new TcpClient();
        client.Connect("127.0.0.1", port);
        client.NoDelay = true;
        return new RawConnection(client);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Closes our sending side, as Racket's tests do after a request.</summary>
    public void HalfClose() => _client.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Everything the server sends until it closes the connection (bounded by a timeout).</summary>
    public async Task<string> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int n;
            while ((n = await _stream.ReadAsync(chunk, cts.Token)) > 0)
            {
                buffer.Write(chunk, 0, n);
            }
        }
        catch (IOException)
        {
            // A reset after the response still leaves what was received.
        }
        return Encoding.Latin1.GetString(buffer.ToArray());
    }

    /// <summary>Reads until <paramref name="text"/> has been received (bounded by a timeout) and returns all received so far.</summary>
    public async Task<string> ReadUntilAsync(string text, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var received = new StringBuilder();
        var chunk = new byte[8192];
        while (!received.ToString().Contains(text, StringComparison.Ordinal))
        {
            var n = await _stream.ReadAsync(chunk, cts.Token);
            if (n == 0)
            {
                break;
            }
            received.Append(Encoding.Latin1.GetString(chunk, 0, n));
        }
        return received.ToString();
    }

    public void Dispose() => _client.Dispose();
}
