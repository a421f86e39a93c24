package auth

import (
	"context"
	"fmt"

	"github.com/lantian-aq/lantian"
)

// DemoUser is one member of the demo cast with its published password.
type DemoUser struct {
	User     lantian.User
	Password string // "" for the machine client
}

// DemoCast returns the demo users, one per role, for the Nanyang demo
// data: a county officer of 桐柏县 (411330) and a department officer of
// 南阳市生态环境局 (plan department "ecology"). Their passwords are
// published in the README: the cast is for demonstration data only.
func DemoCast() []DemoUser {
	u := func(login, name string, role lantian.Role, pw string) DemoUser {
		return DemoUser{User: lantian.User{Login: login, Name: name, Role: role}, Password: pw}
	}
	cast := []DemoUser{
		u("admin", "系统管理员（演示）", lantian.RoleAdmin, "lantian-admin"),
		u("analyst", "市生态环境局 分析员（演示）", lantian.RoleAnalyst, "lantian-analyst"),
		u("leader", "市生态环境局 领导（演示）", lantian.RoleLeader, "lantian-leader"),
		u("commission", "市环委办（演示）", lantian.RoleCommission, "lantian-commission"),
		u("tongbai", "桐柏县 联络员（演示）", lantian.RoleCounty, "lantian-tongbai"),
		u("ecology", "市生态环境局 任务联络员（演示）", lantian.RoleDepartment, "lantian-ecology"),
		u("viewer", "只读用户（演示）", lantian.RoleViewer, "lantian-viewer"),
		u("gateway", "HJ 212 网关（演示机器客户端）", lantian.RoleMachine, ""),
	}
	cast[4].User.Areas = []string{"411330"}
	cast[5].User.Departments = []string{"ecology"}
	return cast
}

// CreateDemoCast creates the members of DemoCast that do not exist yet and
// returns the ones it created. It is meant for demo data directories only:
// the passwords are public.
func (s *Service) CreateDemoCast(ctx context.Context) ([]DemoUser, error) {
	var made []DemoUser
	for _, d := range DemoCast() {
		_, err := s.store.UserByLogin(ctx, d.User.Login)
		if err == nil {
			continue
		}
		if lantian.ErrorCode(err) != lantian.ENOTFOUND {
			return made, fmt.Errorf("demo user %s: %w", d.User.Login, err)
		}
		u := d.User
		if err := s.CreateUser(ctx, nil, &u, d.Password); err != nil {
			return made, fmt.Errorf("demo user %s: %w", d.User.Login, err)
		}
		d.User = u
		made = append(made, d)
	}
	if len(made) > 0 {
		s.log.Warn("demo users created with published passwords: for demonstration data only", "count", len(made))
	}
	return made, nil
}
