"""Project reserve library (储备项目库) and talent pool (人才库)."""
