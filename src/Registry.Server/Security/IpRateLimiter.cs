using System.Collections.Concurrent;
using System.Net;

namespace Registry.Server.Security;

/// <summary>A token bucket per client IP, for the per-IP limits of §1.4 (registrations, queries) that handlers consult.</summary>
/// <remarks>
/// Each IP may spend <see cref="Burst"/> tokens at once; tokens refill continuously at Burst per <see cref="Period"/>.
/// IPv4-mapped IPv6 addresses count as their IPv4 address. The table is bounded: when full, buckets that have
/// refilled completely (idle clients) are dropped; if it is still full the request is allowed, because refusing
/// every new address would let one party with many addresses lock everybody else out. Thread-safe.
/// </remarks>
public sealed class IpRateLimiter
{
    private readonly ConcurrentDictionary<IPAddress, Bucket> _buckets = new();
    private readonly TimeProvider _time;
    private readonly int _maxAddresses;

    /// <summary>Creates a limiter allowing <paramref name="burst"/> requests per <paramref name="period"/> per IP, tracking at most <paramref name="maxAddresses"/> IPs.</summary>
    public IpRateLimiter(TimeProvider time, int burst, TimeSpan period, int maxAddresses = 50_000)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAddresses, 1);
        _time = time;
        Burst = burst;
        Period = period;
        _maxAddresses = maxAddresses;
    }

    /// <summary>Requests allowed at once per IP.</summary>
    public int Burst { get; }

    /// <summary>Time for an empty bucket to refill completely.</summary>
    public TimeSpan Period { get; }

    /// <summary>Takes one token for <paramref name="address"/>; false means the caller answers "rate limited: …".</summary>
    public bool TryAcquire(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var now = _time.GetTimestamp();
        if (!_buckets.TryGetValue(address, out var bucket))
        {
            if (_buckets.Count >= _maxAddresses && !Prune(now))
            {
                return true;
            }

            bucket = _buckets.GetOrAdd(address, static (_, state) => new Bucket(state.Burst, state.Now), (Burst, Now: now));
        }

        lock (bucket)
        {
            Refill(bucket, now);
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    private void Refill(Bucket bucket, long now)
    {
        var elapsed = _time.GetElapsedTime(bucket.UpdatedAt, now);
        bucket.Tokens = Math.Min(Burst, bucket.Tokens + (elapsed / Period * Burst));
        bucket.UpdatedAt = now;
    }

    private bool Prune(long now)
    {
        foreach (var (address, bucket) in _buckets)
        {
            lock (bucket)
            {
                Refill(bucket, now);
                if (bucket.Tokens >= Burst)
                {
                    _buckets.TryRemove(address, out _);
                }
            }
        }

        return _buckets.Count < _maxAddresses;
    }

    private sealed class Bucket(double tokens, long updatedAt)
    {
        public double Tokens { get; set; } = tokens;

        public long UpdatedAt { get; set; } = updatedAt;
    }
}
