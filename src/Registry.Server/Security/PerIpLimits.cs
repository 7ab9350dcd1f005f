using Microsoft.Extensions.Options;
using Registry.Server.Hosting;

namespace Registry.Server.Security;

/// <summary>The configured per-IP limiters a handler consults; a null member means that limit is off.</summary>
public sealed class PerIpLimits
{
    /// <summary>Creates the limiters from <see cref="RegistryServerOptions.RegistrationsPerIpPerMinute"/> and <see cref="RegistryServerOptions.QueriesPerIpPerMinute"/>.</summary>
    public PerIpLimits(IOptions<RegistryServerOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        Registrations = value.RegistrationsPerIpPerMinute > 0 ? new IpRateLimiter(time, value.RegistrationsPerIpPerMinute, TimeSpan.FromMinutes(1)) : null;
        Queries = value.QueriesPerIpPerMinute > 0 ? new IpRateLimiter(time, value.QueriesPerIpPerMinute, TimeSpan.FromMinutes(1)) : null;
    }

    /// <summary>For <c>register</c> of an unknown key: "rate limited: too many registrations from &lt;ip&gt;".</summary>
    public IpRateLimiter? Registrations { get; }

    /// <summary>For lookup, resolve_hostname, list_nodes: "rate limited: too many queries from &lt;ip&gt;".</summary>
    public IpRateLimiter? Queries { get; }
}
