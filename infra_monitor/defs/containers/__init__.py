"""The scheduler's sch_ containers through Portainer: services, stats, dependency map, history."""
