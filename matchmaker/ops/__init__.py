"""Operations: database backup and restore."""
