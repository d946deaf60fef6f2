using StackExchange.Redis;

namespace DevServe;

/// <summary>A <see cref="KeyRing"/>'s document in one Redis string (no TTL), replaced with a compare-and-set transaction.</summary>
internal sealed class RedisKeyRingStorage(IConnectionMultiplexer redis, string url, string key) : IKeyRingStorage
{
    public string Name => $"{RedisConnections.Redact(url)} ({key})";

    public string? Read()
    {
        try
        {
            var value = redis.GetDatabase().StringGet(key);
            return value.IsNull ? null : value.ToString();
        }
        catch (Exception e) when (RedisConnections.IsUnavailable(e))
        {
            throw new KeyRingUnavailableException($"{Name}: {e.Message}", e);
        }
    }

    public bool TryReplace(string? expected, string updated)
    {
        try
        {
            var transaction = redis.GetDatabase().CreateTransaction();
            transaction.AddCondition(expected is null ? Condition.KeyNotExists(key) : Condition.StringEqual(key, expected));
            _ = transaction.StringSetAsync(key, updated);
            return transaction.Execute();
        }
        catch (Exception e) when (RedisConnections.IsUnavailable(e))
        {
            throw new KeyRingUnavailableException($"{Name}: {e.Message}", e);
        }
    }
}
